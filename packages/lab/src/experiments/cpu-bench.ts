/**
 * Helpers shared by the lab's CPU-bound experiments (pi, primes, queue, ipc,
 * locks, sum-squares, advise): task references to the kernels, pools by
 * model name, warm-up, timing, and small number formatting.
 *
 * @internal
 * @module
 */
import type { Executor } from "juggle-core";
import { tasks } from "juggle-core";

/** References to the kernels of `src/lab/tasks/cpu.ts`, for pools. */
export const cpu = tasks<typeof import("../tasks/cpu.js")>(new URL("../tasks/cpu.js", import.meta.url));

/** References to the worker-side code of `src/lab/tasks/ipc.ts` (queues, flags, locks). */
export const ipc = tasks<typeof import("../tasks/ipc.js")>(new URL("../tasks/ipc.js", import.meta.url));

/** How the work runs. */
export type Model = "serial" | "async" | "threads" | "processes";
/** Models backed by a pool. */
export type PoolModel = "threads" | "processes";

/** A pool of `workers` threads or processes (each pool module is loaded on first use). */
export async function openPool(model: PoolModel, workers: number): Promise<Executor> {
  if (model === "threads") {
    const { ThreadPool } = await import("juggle-core");
    return new ThreadPool({ workers });
  }
  const { ProcessPool } = await import("juggle-core");
  return new ProcessPool({ workers });
}

/**
 * Starts every worker and loads the kernel module before the clock starts,
 * as the book builds its `Pool` before `t1 = time.time()`.
 */
export async function warmUp(pool: Executor, workers: number): Promise<void> {
  await pool.map(
    cpu.noop,
    Array.from({ length: workers * 2 }, () => undefined),
    { chunksize: 1 },
  );
}

/** Runs `fn` and measures its wall time in milliseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

/** Opens a pool, warms it, runs `fn` with it, and always shuts it down. */
export async function withPool<T>(model: PoolModel, workers: number, fn: (pool: Executor) => Promise<T>): Promise<T> {
  const pool = await openPool(model, workers);
  try {
    await warmUp(pool, workers);
    return await fn(pool);
  } finally {
    await pool.terminate();
  }
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rounds to `digits` significant-looking decimals for tables and JSON. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** `1..max` as an array. */
export function oneTo(max: number): number[] {
  return Array.from({ length: max }, (_, i) => i + 1);
}

/** Splits `total` into `parts` near-equal integer shares (the first ones get the remainder). */
export function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Python's default `Pool.map` chunksize: `ceil(length / (workers * 4))`. */
export function defaultChunksize(length: number, workers: number): number {
  return Math.max(1, Math.ceil(length / (workers * 4)));
}
