/**
 * What every part of the executor contract suite shares: the suite's task
 * module, the capabilities a backend declares, its factory, and small helpers.
 */
import { type Executor, tasks, type WorkerPoolOptions } from "juggle-core";

/** The URL of the suite's task module, for a backend whose workers must be told which modules to load. */
export const tasksModule = new URL("../fixtures/tasks.js", import.meta.url);
export const t = tasks<typeof import("../fixtures/tasks.js")>(tasksModule);

export interface Capabilities {
  /** Tasks run in another thread or process: crashes, clone errors and preemption apply. */
  isolated: boolean;
  /** Workers share memory with the caller (SharedArrayBuffer-backed objects work). */
  sharedMemory: boolean;
  /** Options accepted by the factory beyond `trace`. */
  workerOptions: boolean;
  /**
   * Tasks go through a remote queue to worker processes the executor does not
   * own (RedisPool): arguments and results are copied (clone errors apply),
   * a job handed to the queue counts as running, a worker reports a module it
   * was not started with, and a worker with a free slot runs a "queued" task
   * at once. Default false.
   */
  remote?: boolean;
  /**
   * Each call gets its own copy of its arguments (see `isolation.ts`).
   * Default: true for isolated and remote executors, false otherwise
   * (InlineExecutor shares them, as a direct call does).
   */
  copiesArguments?: boolean;
}

export type Factory = (options?: WorkerPoolOptions & { resourceLimits?: object }) => Executor;

/** Polls `condition` until it holds, failing after `ms` (a bounded wait, not a sleep that orders events). */
export async function waitUntil(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/** What each part of the suite is given. */
export interface Suite {
  caps: Capabilities;
  make: Factory;
  /** A new executor with two workers (and `options`). */
  two: (options?: WorkerPoolOptions) => Executor;
}

