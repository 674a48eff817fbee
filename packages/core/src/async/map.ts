/**
 * `map`: run an async function over a source with bounded concurrency,
 * streaming the results with backpressure. The engine is in `map-run.ts`.
 *
 * @module
 */
import { keepShape } from "../internal/keep-shape.js";
import { checkFunction, checkInteger, checkOptions, checkSignal, describe } from "../internal/validate.js";
import { type Fn, MapRun, type Source } from "./map-run.js";
/** What `fn` receives besides the item. */
export interface MapContext {
  /** Aborts when the run stops: a failure, the caller's signal, or a `break` out of the loop. */
  readonly signal: AbortSignal;
  /** The item's position in the source (0-based). */
  readonly index: number;
}

/** Options of {@link map}. */
export interface MapOptions {
  /** Most calls of `fn` in flight at once: a positive integer or `Infinity`. Default 16. */
  concurrency?: number;
  /** Yield results in input order (default) or as they finish (`false`). */
  ordered?: boolean;
  /** Aborting it stops the run, aborts the work in flight and rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Yield each outcome as a `PromiseSettledResult` instead of stopping at the first error. */
  collectErrors?: boolean;
  /**
   * Most items pulled from the source ahead of the consumer (pulled and not
   * yet taken by `next()`, or not yet finished with `toArray()`): a positive
   * integer. Default twice the concurrency. A `buffersize` below
   * `concurrency` also bounds the calls in flight.
   */
  buffersize?: number;
}

/** The results of {@link map}: iterate them with `for await`, or collect them. */
export interface MapIterable<R> extends AsyncIterableIterator<R> {
  /** Runs to the end and returns every result (in input order when `ordered`). */
  toArray(): Promise<R[]>;
}

/**
 * Calls `fn(item, { signal, index })` for each item of `source` with at most
 * `concurrency` calls in flight (a limit of N means N in flight when there
 * is work), and yields the results as an async iterable: in input order when
 * `ordered` (the default), else in completion order. `.toArray()` collects
 * them. At most `buffersize` items (default twice the concurrency) are
 * pulled ahead of the consumer.
 *
 * The source (array, iterable or async iterable) is pulled lazily, only when
 * a worker is free and the consumer keeps up. Nothing runs until the first
 * `next()` or `toArray()`. The first error stops the run: no more items are
 * pulled, the work in flight is aborted through its signal, and once it has
 * settled the error is thrown (results before it are still yielded). With
 * `collectErrors`, every outcome is yielded instead. Leaving a `for await`
 * loop early aborts the work in flight and closes the source. `fn` runs in
 * the `AsyncLocalStorage` context of the caller of `map`. A stop (an error,
 * an abort, a `break`) is prompt even while an async source waits for its
 * next item: the source is asked to end (`return()`) without waiting for
 * that item.
 *
 * Python: `multiprocessing.Pool.imap` / `imap_unordered` and gevent's
 * `Pool.imap` for coroutines; asyncio's `as_completed` over a bounded set;
 * `buffersize` is 3.14's `Executor.map(buffersize=)`.
 *
 * @param source An array, iterable or async iterable (items are passed as they are).
 * @param fn The async function to run per item.
 * @param options `{ concurrency = 16, ordered = true, signal, collectErrors = false, buffersize = 2 * concurrency }`.
 * @throws {TypeError} When `source` is not iterable, `fn` not a function, or an option has the wrong type.
 * @throws {RangeError} When `concurrency` is not a positive integer or `Infinity`, or `buffersize` not a positive integer.
 *
 * @example Fetch pages, eight at a time, in order
 * ```ts
 * import { map } from "juggle-core";
 *
 * const urls = ["http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"];
 * for await (const status of map(urls, async (url, { signal }) => (await fetch(url, { signal })).status, { concurrency: 8 })) {
 *   console.log(status);
 * }
 * const lengths = await map(["a", "bb"], async (s) => s.length).toArray(); // [1, 2]
 * ```
 */
export function map<T, R>(
  source: Source<T>,
  fn: Fn<T, R>,
  options: MapOptions & { collectErrors: true },
): MapIterable<PromiseSettledResult<Awaited<R>>>;
export function map<T, R>(source: Source<T>, fn: Fn<T, R>, options?: MapOptions): MapIterable<Awaited<R>>;
export function map<T, R>(source: Source<T>, fn: Fn<T, R>, options?: MapOptions): MapIterable<unknown> {
  const action = "map";
  const isAsync = typeof (source as AsyncIterable<T>)?.[Symbol.asyncIterator] === "function";
  if (!isAsync && typeof (source as Iterable<T>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`Cannot ${action} as 'source' must be an iterable or async iterable: received ${describe(source)}`);
  }
  checkFunction(action, "fn", fn);
  const opts = checkOptions<MapOptions>(action, options);
  const concurrency =
    opts.concurrency === undefined ? 16 : checkInteger(action, "concurrency", opts.concurrency, { min: 1, allowInfinity: true });
  for (const name of ["ordered", "collectErrors"] as const) {
    if (opts[name] !== undefined && typeof opts[name] !== "boolean") {
      throw new TypeError(`Cannot ${action} as '${name}' must be a boolean: received ${describe(opts[name])}`);
    }
  }
  const window = opts.buffersize === undefined ? concurrency * 2 : checkInteger(action, "buffersize", opts.buffersize, { min: 1 });
  const signal = checkSignal(action, opts.signal);
  return new MapRun(source, isAsync, fn as Fn<unknown, unknown>, {
    concurrency,
    window,
    ordered: opts.ordered !== false,
    settle: opts.collectErrors === true,
    signal,
  });
}

// Between two runs no MapRun (nor its window) is alive; see keep-shape.ts. It is
// ended at once, so it drops the async context it was made in.
const idle = map([], (x: unknown) => x);
void idle.return?.();
keepShape(idle);
