/**
 * Benchmarks of the async synchronization primitives, juggle and its anchors
 * side by side in one run (sides alternate, medians of N rounds, ratios
 * printed):
 *
 * 1. Cost per handoff as the backlog grows: B workers loop on a limit of 1
 *    (`Semaphore(1).withPermit`, `Lock.withLock`, acquire/release by hand,
 *    p-limit(1), p-queue concurrency 1), so B - 1 always wait, for B = 1,000
 *    … 100,000. juggle's waiter list is O(1) per operation, so the cost per
 *    handoff should stay flat (the issue measured async-mutex going from
 *    15 µs to 141 µs per task as its backlog grew). What still grows with
 *    B, for every side, is garbage collection: each waiter's promise lives
 *    through B handoffs, so at large B they reach the old generation (a CPU
 *    profile at B = 50,000 shows ~75% of the time in the collector). The
 *    fewer bytes a waiter holds, the less it grows: juggle keeps ~540 bytes
 *    per waiting `withPermit` task, p-limit ~720.
 * 2. Producer/consumer: 1 producer, 4 consumers, a bounded `Queue` (maxsize
 *    100), against a bare hand-written channel over an array of resolvers
 *    (the floor: no signal, no shutdown, no join).
 *
 *     npx tsc -p tsconfig.json && node --expose-gc dist/bench/async-primitives.js [--quick]
 *
 * @module
 */
import { Lock, Queue, Semaphore } from "juggle-core";
import pLimit from "p-limit";
import PQueue from "p-queue";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 7;
const BACKLOGS = quick ? [1_000, 10_000, 50_000] : [1_000, 10_000, 100_000];
const ITEMS = quick ? 50_000 : 200_000;
const STEADY = quick ? 50_000 : 200_000;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs every side once per round, alternating the order, and returns median
 * ms per side: the side's wall time, or the number of ms it resolves to when
 * it times a phase of its own.
 */
async function compare(sides: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  for (const run of Object.values(sides)) await run(); // warm up
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(sides);
    if (round % 2) names.reverse();
    for (const name of names) {
      gc();
      const start = performance.now();
      const own = await sides[name]();
      times[name].push(typeof own === "number" ? own : performance.now() - start);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, median(t)]));
}

/**
 * B workers loop on `run(tick)` behind a limit of 1, so B - 1 of them always
 * wait: a steady backlog. Resolves to the ms taken by STEADY handoffs once
 * every worker has gone round once (setup excluded).
 */
async function steady(backlogSize: number, run: (fn: () => Promise<void>) => Promise<unknown>): Promise<number> {
  let count = 0;
  let stop = false;
  let start = 0;
  let end = 0;
  const tick = async (): Promise<void> => {
    count++;
    if (count === backlogSize) start = performance.now();
    if (count === backlogSize + STEADY) {
      end = performance.now();
      stop = true;
    }
  };
  const worker = async (): Promise<void> => {
    while (!stop) await run(tick);
  };
  await Promise.all(Array.from({ length: backlogSize }, worker));
  return end - start;
}

async function backlog(): Promise<void> {
  console.log(
    `\n1. Cost per handoff with a steady backlog of B waiters behind a limit of 1 (${STEADY.toLocaleString("en")} handoffs, median of ${ROUNDS} rounds)`,
  );
  const perTask: Record<string, number[]> = {};
  for (const size of BACKLOGS) {
    const ms = await compare({
      "juggle Semaphore(1)": () => {
        const sem = new Semaphore(1);
        return steady(size, (fn) => sem.withPermit(fn));
      },
      "juggle Lock": () => {
        const lock = new Lock();
        return steady(size, (fn) => lock.withLock(fn));
      },
      "juggle acquire/release": () => {
        const sem = new Semaphore(1);
        return steady(size, async (fn) => {
          await sem.acquire();
          try {
            await fn();
          } finally {
            sem.release();
          }
        });
      },
      "p-limit(1)": () => {
        const limit = pLimit(1);
        return steady(size, (fn) => limit(fn));
      },
      "p-queue(1)": () => {
        const queue = new PQueue({ concurrency: 1 });
        return steady(size, (fn) => queue.add(fn));
      },
    });
    for (const [name, t] of Object.entries(ms)) (perTask[name] ??= []).push((t * 1000) / STEADY);
  }
  const header = ["side", ...BACKLOGS.map((b) => `B=${b.toLocaleString("en")}`), "largest/smallest B", "vs juggle Semaphore"];
  console.log(header.join(" | "));
  const base = perTask["juggle Semaphore(1)"];
  for (const [name, us] of Object.entries(perTask)) {
    const growth = us[us.length - 1] / us[0];
    const ratio = us[us.length - 1] / base[base.length - 1];
    console.log([name, ...us.map((u) => `${u.toFixed(2)} µs`), `${growth.toFixed(2)}x`, `${ratio.toFixed(2)}x`].join(" | "));
  }
  console.log("(growth with B is garbage collection of long-lived waiting promises, on every side)");
}

/** The floor: an unbounded channel over an array of items and an array of waiting resolvers. */
function bareChannel<T>() {
  const items: T[] = [];
  let head = 0;
  const waiting: ((item: T) => void)[] = [];
  let waitHead = 0;
  return {
    put(item: T): void {
      if (waitHead < waiting.length) waiting[waitHead++](item);
      else items.push(item);
    },
    get(): Promise<T> {
      if (head < items.length) return Promise.resolve(items[head++]);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function checkSum(sum: number): void {
  const expected = (ITEMS * (ITEMS - 1)) / 2;
  if (sum !== expected) throw new Error(`Cannot trust this side as its consumers summed ${sum}, not ${expected}`);
}

async function producerConsumer(): Promise<void> {
  const consumers = 4;
  console.log(`\n2. ${ITEMS.toLocaleString("en")} items, 1 producer, ${consumers} consumers (median of ${ROUNDS} rounds)`);
  const ms = await compare({
    "juggle Queue (maxsize 100, for await)": async () => {
      const queue = new Queue<number>({ maxsize: 100 });
      let sum = 0;
      const workers = Array.from({ length: consumers }, async () => {
        for await (const n of queue) sum += n;
      });
      for (let i = 0; i < ITEMS; i++) await queue.put(i);
      queue.shutdown();
      await Promise.all(workers);
      checkSum(sum); // a side that returned a number would be read as its own time
    },
    "juggle Queue (unbounded, for await)": async () => {
      const queue = new Queue<number>();
      let sum = 0;
      const workers = Array.from({ length: consumers }, async () => {
        for await (const n of queue) sum += n;
      });
      for (let i = 0; i < ITEMS; i++) queue.tryPut(i);
      queue.shutdown();
      await Promise.all(workers);
      checkSum(sum); // a side that returned a number would be read as its own time
    },
    "juggle Queue (unbounded, tryGet() first)": async () => {
      const queue = new Queue<number>();
      let sum = 0;
      const workers = Array.from({ length: consumers }, async () => {
        for (;;) {
          const r = queue.tryGet();
          // Await get() only when empty: the loop ends at shutdown.
          let n: number;
          try {
            n = r.ok ? r.value : await queue.get();
          } catch {
            return; // shut down
          }
          sum += n;
        }
      });
      for (let i = 0; i < ITEMS; i++) queue.tryPut(i);
      queue.shutdown();
      await Promise.all(workers);
      checkSum(sum); // a side that returned a number would be read as its own time
    },
    "juggle Queue (unbounded, await get())": async () => {
      const queue = new Queue<number>();
      let sum = 0;
      const workers = Array.from({ length: consumers }, async () => {
        for (;;) {
          let n: number;
          try {
            n = await queue.get();
          } catch {
            return; // shut down
          }
          sum += n;
        }
      });
      for (let i = 0; i < ITEMS; i++) queue.tryPut(i);
      queue.shutdown();
      await Promise.all(workers);
      checkSum(sum); // a side that returned a number would be read as its own time
    },
    "bare channel (floor, unbounded)": async () => {
      const channel = bareChannel<number>();
      let sum = 0;
      const workers = Array.from({ length: consumers }, async () => {
        for (;;) {
          const n = await channel.get();
          if (n < 0) return;
          sum += n;
        }
      });
      for (let i = 0; i < ITEMS; i++) channel.put(i);
      for (let c = 0; c < consumers; c++) channel.put(-1);
      await Promise.all(workers);
      checkSum(sum); // a side that returned a number would be read as its own time
    },
  });
  const floor = ms["bare channel (floor, unbounded)"];
  console.log("side | median | per item | vs floor");
  for (const [name, t] of Object.entries(ms)) {
    console.log(`${name} | ${t.toFixed(1)} ms | ${((t * 1000) / ITEMS).toFixed(3)} µs | ${(t / floor).toFixed(2)}x`);
  }
}

await backlog();
await producerConsumer();
