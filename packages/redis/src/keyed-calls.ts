/**
 * The per-key calls of `RedisPool`: the options that carry a job's key, and
 * `map` with a key per item.
 *
 * @module
 */
import type { MapOptions, RunOptions, TaskFn, TaskRef } from "juggle-core";
import { describe } from "juggle-core/executor";
import { checkKey, type KeyLimitsData } from "./key-limits.js";

type Result<F extends TaskFn> = Awaited<ReturnType<F>>;
type Items<T> = Iterable<T> | AsyncIterable<T>;

/** Options of {@link RedisPool.run}: those of every executor, plus the job's key. */
export interface RedisRunOptions extends RunOptions {
  /** The key the job counts against (see the pool's `keys` option): a string or a number. */
  key?: string | number;
}

/** Options of {@link RedisPool.map} and {@link RedisPool.starmap}: those of every executor, plus each item's key. */
export interface RedisMapOptions<T = unknown> extends MapOptions {
  /** Each item's key (see the pool's `keys` option); with it, each item is a job of its own. */
  key?: (item: T, index: number) => string | number;
}

/** A keyed map: one keyed `run` per item, results in input order; the first failure cancels the rest. */
export async function keyedMap<F extends TaskFn, T>(
  pool: { run(task: TaskRef<F>, args: Parameters<F>, options?: RedisRunOptions): Promise<Result<F>> },
  task: TaskRef<F>,
  items: Items<T>,
  options: RedisMapOptions<T>,
  argsOf: (item: T) => Parameters<F>,
): Promise<Result<F>[]> {
  const keyOf = options.key as (item: T, index: number) => string | number;
  if (typeof keyOf !== "function") {
    throw new TypeError(`Cannot map task '${task.name}' as 'key' must be a function of the item: received ${describe(keyOf)}`);
  }
  const { key: _key, chunksize: _chunksize, ...rest } = options;
  const stop = new AbortController();
  const signal = rest.signal === undefined ? stop.signal : AbortSignal.any([rest.signal, stop.signal]);
  const runs: Promise<Result<F>>[] = [];
  let index = 0;
  try {
    for await (const item of items) {
      const run = pool.run(task, argsOf(item), { ...rest, signal, key: keyOf(item, index++) });
      run.catch((error: unknown) => stop.abort(error));
      runs.push(run);
    }
  } catch (error) {
    stop.abort(error);
    throw error;
  }
  return Promise.all(runs);
}


/**
 * The argument list of a keyed call: a copy of `args`, whose key `keyOf`
 * records (the job's payload is this copy: its key cannot be confused with
 * another call's). `args` that is not an array is returned for the executor
 * to report.
 *
 * @throws {TypeError} When the key is bad or the pool has no `keys` limits.
 */
export function keyedArgs<A>(action: string, args: A, key: unknown, limits: KeyLimitsData | undefined, keyOf: WeakMap<unknown[], string>): A {
  if (!Array.isArray(args)) return args;
  const checked = checkKey(action, key);
  if (limits === undefined) {
    throw new TypeError(`Cannot ${action} as 'key' needs the pool's 'keys' option (the limits keys share): received ${describe(key)}`);
  }
  const own = [...args];
  keyOf.set(own, checked);
  return own as A;
}

/** `imap` and `imapUnordered` stream chunks and take no key: say so rather than ignore it. */
export function refuseKey(action: string, options: unknown): void {
  if (options !== null && typeof options === "object" && "key" in options && options.key !== undefined) {
    throw new TypeError(`Cannot ${action} as 'key' is taken by run, map and starmap only: received ${describe(options.key)}`);
  }
}
