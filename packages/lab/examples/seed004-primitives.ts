/**
 * "Concurrent Programming" lists the ways to synchronize tasks:
 * locks, semaphores, bounded semaphores, events, conditions and queues. Here
 * is each one in juggle, for async tasks on one event loop.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/seed004-primitives.js
 *
 * The `tick()` below is where a real task would await I/O: another task can
 * run there, which is what makes a critical section critical.
 *
 * @module
 */
import { BoundedSemaphore, Condition, Event, JuggleError, Lock, Queue, Semaphore } from "juggle-core";

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// Mutex locks: "Must put lock/unlock around critical code in ALL threads."
//     x_lock = threading.Lock()
//     with x_lock: ...
let x = 0;
async function incrementUnsafe(): Promise<void> {
  const seen = x;
  await tick();
  x = seen + 1;
}
await Promise.all(Array.from({ length: 10 }, incrementUnsafe));
console.log(`Lock: without a lock, 10 increments give x = ${x}`);

x = 0;
const xLock = new Lock();
async function incrementSafe(): Promise<void> {
  await using _held = await xLock.lock(); // released at the end of the block
  const seen = x;
  await tick();
  x = seen + 1;
}
await Promise.all(Array.from({ length: 10 }, incrementSafe));
console.log(`Lock: with a lock, 10 increments give x = ${x}`);

// Semaphore: at most N tasks in the section at once.
const downloads = new Semaphore(2);
let running = 0;
let peak = 0;
await Promise.all(
  [1, 2, 3, 4, 5, 6].map(() =>
    downloads.withPermit(async () => {
      peak = Math.max(peak, ++running);
      await tick();
      running--;
    }),
  ),
);
console.log(`Semaphore: 6 downloads with Semaphore(2), at most ${peak} at once`);

// BoundedSemaphore: releasing more often than acquiring is a bug it catches.
const bounded = new BoundedSemaphore(1);
await bounded.acquire();
bounded.release();
try {
  bounded.release();
} catch (error) {
  console.log(`BoundedSemaphore: a second release fails with ${(error as JuggleError).code}`);
}

// Event: tasks wait until another one says "go".
const go = new Event();
const started: string[] = [];
const runners = ["alice", "bob", "carol"].map(async (name) => {
  await go.wait();
  started.push(name);
});
await tick();
console.log(`Event: before set(), ${started.length} runners started`);
go.set();
await Promise.all(runners);
console.log(`Event: after set(), ${started.join(", ")} started`);

// Condition: wait until the shared state is right, under one lock.
const cond = new Condition();
const basket: string[] = [];
const consumer = cond.withLock(async () => {
  await cond.waitFor(() => basket.length > 0); // releases the lock while waiting
  return basket.shift();
});
await cond.withLock(() => {
  basket.push("apple");
  cond.notify();
});
console.log(`Condition: the consumer got ${await consumer}`);

// Queue: producers and consumers; join() waits until every item is done.
const queue = new Queue<number>({ maxsize: 3 });
const squares: number[] = [];
const workers = [1, 2].map(async () => {
  for await (const n of queue) {
    await tick();
    squares.push(n * n);
    queue.taskDone();
  }
});
for (let n = 1; n <= 6; n++) await queue.put(n); // waits while 3 are queued
await queue.join();
queue.shutdown(); // ends the workers' loops
await Promise.all(workers);
console.log(`Queue: 2 workers squared 1..6 into ${squares.sort((a, b) => a - b).join(" ")}`);
