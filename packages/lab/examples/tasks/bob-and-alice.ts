/**
 * The task module of "Non-sequential Python"'s "bob and alice" examples with processes and
 * threads: the function `f` they run, once with a manager queue (processes),
 * once with a shared-memory queue (threads).
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ManagerQueue, SharedQueue } from "juggle-core/shared-memory";

/** Non-sequential Python's `f` for processes: sleeps, says hello, puts its result on the manager's queue. */
export async function fProcess(name: string, timeout: number, queue: ManagerQueue<string>): Promise<void> {
  await sleep(timeout);
  console.log("hello", name);
  await queue.put(`${name} done!`);
}

/** Non-sequential Python's `f` for threads: sleeps, says hello, puts its result on the shared-memory queue. */
export async function fThread(name: string, timeout: number, queue: SharedQueue<string>): Promise<void> {
  await sleep(timeout);
  console.log("hello", name);
  // A worker thread may block: putSync waits with Atomics.wait if the queue is full.
  queue.putSync(`${name} done!`);
}
