/**
 * Run several pieces of work together and collect their results in order.
 *
 * @module
 */
import { CancelledError } from "../internal/errors.js";
import { listenAbort, ownedController } from "../internal/signal.js";
import { checkOptions, checkSignal, describe } from "../internal/validate.js";

/**
 * One piece of work for {@link gather} and {@link asCompleted}: a promise (or
 * plain value), or a function that receives an `AbortSignal` and returns the
 * result or a promise of it. Functions are called at once, in input order.
 */
export type GatherWork<T> = T | PromiseLike<T> | ((signal: AbortSignal) => T | PromiseLike<T>);

/** The result type of one {@link GatherWork} item. */
export type GatherResult<W> = W extends (signal: AbortSignal) => infer R ? Awaited<R> : Awaited<W>;

/** Options of {@link gather}. */
export interface GatherOptions {
  /**
   * Put each failure in place of its result instead of rejecting. Rejection
   * reasons that are not `Error`s are wrapped in one (the value is its `cause`).
   */
  returnExceptions?: boolean;
  /** Aborting it aborts the function items' signal and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

type Results<T extends readonly unknown[], E> = { -readonly [K in keyof T]: GatherResult<T[K]> | E };

/**
 * Waits for every piece of work and returns the results in input order.
 *
 * Without `returnExceptions`, the first failure rejects the returned promise
 * (with that error) and aborts the signal handed to the function items, so
 * work still running is told to stop; later failures are handled, never
 * reported as unhandled rejections. With `returnExceptions`, nothing is
 * aborted and each failure is returned in place of its result.
 *
 * Python: `asyncio.gather(*aws, return_exceptions=False)`.
 *
 * @param work An array (or tuple, for precise types) of promises, values or functions of a signal.
 * @param options `{ returnExceptions, signal }`.
 * @returns The results, in input order.
 * @throws {TypeError} When `work` is not iterable.
 *
 * @example Three requests at once
 * ```ts
 * import { gather, sleep } from "juggle-core";
 *
 * const [a, b] = await gather([
 *   sleep(20).then(() => "a"),
 *   async (signal: AbortSignal) => { await sleep(10, { signal }); return 2; },
 * ]);
 * console.log(a, b); // "a" 2
 *
 * const mixed = await gather([Promise.resolve(1), Promise.reject(new Error("boom"))], { returnExceptions: true });
 * console.log(mixed); // [1, Error: boom]
 * ```
 */
export function gather<const T extends readonly unknown[]>(
  work: T,
  options: GatherOptions & { returnExceptions: true },
): Promise<Results<T, Error>>;
export function gather<const T extends readonly unknown[]>(work: T, options?: GatherOptions): Promise<Results<T, never>>;
export function gather(work: Iterable<unknown>, options?: GatherOptions): Promise<unknown[]> {
  const action = "gather";
  if (work === null || typeof (work as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`Cannot ${action} as 'work' must be an iterable: received ${describe(work)}`);
  }
  const opts = checkOptions<GatherOptions>(action, options);
  const outer = checkSignal(action, opts.signal);
  const returnExceptions = opts.returnExceptions === true;
  if (outer?.aborted) return Promise.reject(outer.reason);

  const controller = ownedController();
  const promises = startAll(work, controller.signal);
  return new Promise<unknown[]>((resolve, reject) => {
    const results = new Array<unknown>(promises.length);
    let remaining = promises.length;
    let done = false;
    const unlisten = listenAbort(outer, (reason) => fail(reason));
    function fail(error: unknown): void {
      if (done) return;
      done = true;
      unlisten();
      controller.abort(new CancelledError("Cancelled by gather: another item failed", { cause: error }));
      reject(error);
    }
    if (remaining === 0) {
      done = true;
      unlisten();
      resolve(results);
      return;
    }
    for (let i = 0; i < promises.length; i++) {
      promises[i].then(
        (value) => {
          results[i] = value;
          if (--remaining === 0 && !done) {
            done = true;
            unlisten();
            resolve(results);
          }
        },
        (error: unknown) => {
          if (!returnExceptions) return fail(error);
          results[i] = asError(error);
          if (--remaining === 0 && !done) {
            done = true;
            unlisten();
            resolve(results);
          }
        },
      );
    }
  });
}

/** Starts each work item (calling functions with `signal`) and returns one promise per item. @internal */
export function startAll(work: Iterable<unknown>, signal: AbortSignal): Promise<unknown>[] {
  const out: Promise<unknown>[] = [];
  for (const item of work) {
    if (typeof item === "function") {
      try {
        out.push(Promise.resolve((item as (signal: AbortSignal) => unknown)(signal)));
      } catch (error) {
        out.push(Promise.reject(error));
      }
    } else {
      out.push(Promise.resolve(item));
    }
  }
  return out;
}

function asError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  return new Error(`Non-error value thrown: ${String(reason)}`, { cause: reason });
}
