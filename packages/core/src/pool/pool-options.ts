/**
 * The options of `ThreadPool` and `ProcessPool`, checked and filled with their
 * defaults in one place.
 *
 * @internal
 * @module
 */
import { availableParallelism } from "node:os";
import { checkInteger, checkMilliseconds, checkOptions, describe, given } from "../internal/validate.js";
import type { BaseExecutorOptions } from "../executor/base-executor.js";
import { checkTaskRef, type TaskRef } from "../executor/task.js";

/** Options shared by `ThreadPool` and `ProcessPool`. */
export interface WorkerPoolOptions extends BaseExecutorOptions {
  /** Number of workers. Default: `os.availableParallelism()`. */
  workers?: number;
  /** A task run once in each worker before its first task. */
  initializer?: TaskRef;
  /** Arguments of `initializer`. */
  initargs?: unknown[];
  /** Jobs a worker runs before it is replaced by a fresh one (a `map` chunk is one job). Default: no limit. */
  maxTasksPerChild?: number;
  /** Milliseconds a worker may stay idle before it exits (restarted on demand). Default: `Infinity`. */
  idleTimeout?: number;
  /** How many times a task whose worker crashed is run again before it fails. Default 0. */
  retries?: number;
  /** Milliseconds an aborted task may go on running before its worker is terminated. Default 1000. */
  abortGrace?: number;
}

/** {@link WorkerPoolOptions} with every default filled in. */
export interface PoolSettings extends BaseExecutorOptions {
  workers: number;
  /** `[module, name]` of the initializer, or null. */
  initializer: [string, string] | null;
  initargs: unknown[];
  maxTasksPerChild: number;
  idleTimeout: number;
  retries: number;
  abortGrace: number;
}

/**
 * Checks `options` and fills in the defaults.
 *
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a number is out of range (workers 0, NaN...).
 */
export function normalizePoolOptions<T extends WorkerPoolOptions>(label: string, options: T | undefined): PoolSettings & T {
  const o = checkOptions<T>(`create ${label}`, options) as T;
  const action = `create ${label}`;
  let initializer: [string, string] | null = null;
  if (o.initializer !== undefined) {
    const ref = checkTaskRef(action, o.initializer);
    initializer = [ref.module, ref.name];
  }
  if (o.initargs !== undefined && !Array.isArray(o.initargs)) {
    throw new TypeError(`Cannot ${action} as 'initargs' must be an array: received ${describe(o.initargs)}`);
  }
  return {
    ...o,
    workers: checkInteger(action, "workers", given(o.workers, availableParallelism()), { min: 1, max: 1024 }),
    initializer,
    initargs: o.initargs ?? [],
    maxTasksPerChild: checkInteger(action, "maxTasksPerChild", given(o.maxTasksPerChild, Number.POSITIVE_INFINITY), {
      min: 1,
      allowInfinity: true,
    }),
    idleTimeout: checkMilliseconds(action, "idleTimeout", given(o.idleTimeout, Number.POSITIVE_INFINITY), {
      allowInfinity: true,
    }),
    retries: checkInteger(action, "retries", given(o.retries, 0)),
    abortGrace: checkMilliseconds(action, "abortGrace", given(o.abortGrace, 1000)),
  };
}
