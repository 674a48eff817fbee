/**
 * The per-key calls of `RedisPool`: the options that carry a job's key, and
 * `map`, `starmap`, `imap` and `imapUnordered` with a key per item.
 *
 * @module
 */
import { type MapContext, type MapIterable, type MapOptions, map, type RunOptions, type TaskFn, type TaskRef } from "juggle-core";
import { checkInteger, describe } from "juggle-core/executor";
import { checkKey, type KeyLimitsData } from "./key-limits.js";

type Result<F extends TaskFn> = Awaited<ReturnType<F>>;
type Items<T> = Iterable<T> | AsyncIterable<T>;

/** Options of {@link RedisPool.run}: those of every executor, plus the job's key. */
export interface RedisRunOptions extends RunOptions {
  /** The key the job counts against (see the pool's `keys` option): a string or a number. */
  key?: string | number;
}

/** Options of {@link RedisPool.map}, `starmap`, `imap` and `imapUnordered`: those of every executor, plus each item's key. */
export interface RedisMapOptions<T = unknown> extends MapOptions {
  /**
   * Each item's key (see the pool's `keys` option); with it, each item is a
   * job of its own (`chunksize` does not apply), and `imap`/`imapUnordered`
   * submit at most `buffersize` items (default 128) ahead of the consumer.
   */
  key?: (item: T, index: number) => string | number;
}

type Runner<F extends TaskFn> = { run(task: TaskRef<F>, args: Parameters<F>, options?: RedisRunOptions): Promise<Result<F>> };

/**
 * Items a keyed `imap`/`imapUnordered` submits ahead of its consumer by
 * default. Each item is a job of its own there (not a chunk), and a job whose
 * key is at its limit holds its place in this window while it waits, so the
 * window is wide enough for several keys' slots across workers, yet bounded
 * over an endless source. `buffersize` sets it.
 */
const KEYED_WINDOW = 128;

/**
 * A keyed `map`, `starmap`, `imap` or `imapUnordered`: one keyed `run` per
 * item through the core's `map` (lazy pulling, at most `buffersize` items
 * ahead of the consumer, results in input or completion order; the first
 * failure, the caller's signal or leaving the loop early cancels the jobs
 * still queued and aborts the running ones). Bad options are reported by the
 * first `next()`, as for every map stream.
 *
 * Without `buffersize`, `map` and `starmap` submit every item at once, as
 * they do without keys; `imap` and `imapUnordered` keep {@link KEYED_WINDOW}.
 */
export function keyedStream<F extends TaskFn, T>(
  pool: Runner<F>,
  task: TaskRef<F>,
  items: Items<T>,
  options: RedisMapOptions<T>,
  call: "map" | "starmap" | "imap" | "imapUnordered",
): MapIterable<Result<F>> {
  const action = `${call} task '${task?.name}'`;
  const argsOf = call === "starmap" ? (item: T) => item as Parameters<F> : (item: T) => [item] as Parameters<F>;
  const collect = call === "map" || call === "starmap";
  try {
    const keyOf = options.key as (item: T, index: number) => string | number;
    if (typeof keyOf !== "function") {
      throw new TypeError(`Cannot ${action} as 'key' must be a function of the item: received ${describe(keyOf)}`);
    }
    const { key: _key, chunksize: _chunksize, buffersize, signal, ...rest } = options;
    const window = buffersize !== undefined ? checkInteger(action, "buffersize", buffersize, { min: 1 }) : collect ? Number.POSITIVE_INFINITY : KEYED_WINDOW;
    if (typeof (items as Iterable<T>)?.[Symbol.iterator] !== "function" && typeof (items as AsyncIterable<T>)?.[Symbol.asyncIterator] !== "function") {
      throw new TypeError(`Cannot ${action} as 'items' must be an iterable or async iterable: received ${describe(items)}`);
    }
    const runOne = (item: T, context: MapContext): Promise<Result<F>> =>
      pool.run(task, argsOf(item), { ...rest, signal: context.signal, key: keyOf(item, context.index) });
    return map(items, runOne, { concurrency: window, buffersize: window === Number.POSITIVE_INFINITY ? undefined : window, ordered: call !== "imapUnordered", signal });
  } catch (error) {
    return refused(error);
  }
}

/** A stream whose first `next()` (or `toArray()`) rejects with `error`. */
function refused<R>(error: unknown): MapIterable<R> {
  const stream = (async function* (): AsyncGenerator<R> {
    throw error;
  })();
  return Object.assign(stream, { toArray: async (): Promise<R[]> => Promise.reject(error) });
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
