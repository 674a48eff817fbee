/**
 * `wait`: wait for some or all of several futures, and tell which are done.
 *
 * @module
 */
import { listenAbort } from "../internal/signal.js";
import { checkMilliseconds, checkOptions, checkSignal, describe, given } from "../internal/validate.js";
import { sleep } from "./sleep.js";

/**
 * What {@link wait} needs of an executor's `AsyncResult` (from `applyAsync`):
 * described by shape, so the async layer does not depend on the executors.
 */
interface ResultLike {
  wait(timeout?: number): Promise<void>;
  successful(): boolean;
}

/** A future {@link wait} accepts: a promise (any thenable) or an executor's `AsyncResult`. */
export type Waitable = PromiseLike<unknown> | ResultLike;

/** When {@link wait} returns. */
export type ReturnWhen = "FIRST_COMPLETED" | "FIRST_EXCEPTION" | "ALL_COMPLETED";

/** Options of {@link wait}. */
export interface WaitForOptions {
  /** Default `"ALL_COMPLETED"`. `"FIRST_EXCEPTION"` returns at the first failure, or when all are done. */
  returnWhen?: ReturnWhen;
  /** Milliseconds after which to return what is done so far (no error is raised). Default: no limit. */
  timeout?: number;
  /** Aborting it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** What {@link wait} returns: the futures passed in, split in two. */
export interface WaitResult<F> {
  /** The futures that settled (fulfilled or rejected), as passed in. */
  readonly done: Set<F>;
  /** The futures that had not settled. */
  readonly pending: Set<F>;
}

const RETURN_WHEN: readonly ReturnWhen[] = ["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"];

/**
 * Waits until the futures meet `returnWhen`, or `timeout` ms pass, and
 * returns `{ done, pending }`: Sets of the very objects passed in. It never
 * rejects because a future failed (look at the futures in `done` for that),
 * and it does not cancel the pending ones.
 *
 * Python: `concurrent.futures.wait(fs, timeout, return_when)` and
 * `asyncio.wait(aws, timeout=, return_when=)`.
 *
 * @param futures Promises and `AsyncResult`s (from `applyAsync`).
 * @throws {TypeError} (as a rejection) When an item is neither a promise nor
 * an `AsyncResult`, or an option has the wrong type.
 * @throws {RangeError} (as a rejection) When `timeout` is negative or NaN.
 *
 * @example Take the first answer, leave the others running
 * ```ts
 * import { sleep, wait } from "juggle-core";
 *
 * const fast = sleep(10).then(() => "fast");
 * const slow = sleep(1000).then(() => "slow");
 * const { done, pending } = await wait([fast, slow], { returnWhen: "FIRST_COMPLETED" });
 * console.log(done.has(fast), pending.has(slow)); // true true
 * ```
 */
export async function wait<F extends Waitable>(futures: Iterable<F>, options?: WaitForOptions): Promise<WaitResult<F>> {
  const action = "wait";
  const items = checkFutures(action, futures);
  const opts = checkOptions<WaitForOptions>(action, options);
  const returnWhen = given(opts.returnWhen, "ALL_COMPLETED");
  if (!RETURN_WHEN.includes(returnWhen)) {
    throw new TypeError(`Cannot ${action} as 'returnWhen' must be one of ${RETURN_WHEN.join(", ")}: received ${describe(returnWhen)}`);
  }
  const timeout = opts.timeout === undefined ? undefined : checkMilliseconds(action, "timeout", opts.timeout, { allowInfinity: true });
  const signal = checkSignal(action, opts.signal);
  signal?.throwIfAborted();

  const done = new Set<F>();
  const pending = new Set<F>(items);
  if (pending.size === 0) return { done, pending };
  const stop = new AbortController();
  const enough = new Promise<void>((resolve) => {
    const settled = (future: F, failed: boolean): void => {
      if (!pending.delete(future)) return;
      done.add(future);
      if (pending.size === 0 || returnWhen === "FIRST_COMPLETED" || (failed && returnWhen === "FIRST_EXCEPTION")) resolve();
    };
    for (const future of pending) {
      void outcome(future).then((failed) => settled(future, failed));
    }
  });
  const waits: Promise<unknown>[] = [enough];
  if (timeout !== undefined && timeout !== Number.POSITIVE_INFINITY) {
    waits.push(sleep(timeout, { signal: stop.signal }).catch(() => {}));
  }
  let unlisten = noop;
  if (signal !== undefined) waits.push(new Promise<void>((resolve) => (unlisten = listenAbort(signal, () => resolve()))));
  try {
    await Promise.race(waits);
  } finally {
    stop.abort();
    unlisten();
  }
  signal?.throwIfAborted();
  // Copies: futures settling later do not change what the caller got.
  return { done: new Set(done), pending: new Set(pending) };
}

function noop(): void {}

/** Resolves when `future` settles, with whether it failed; never rejects. */
function outcome(future: Waitable): Promise<boolean> {
  if (typeof (future as PromiseLike<unknown>).then === "function") {
    return Promise.resolve(future as PromiseLike<unknown>).then(
      () => false,
      () => true,
    );
  }
  const result = future as ResultLike;
  return result.wait().then(
    () => !result.successful(),
    () => true,
  );
}

function checkFutures<F>(action: string, futures: Iterable<F>): F[] {
  if (futures === null || typeof futures !== "object" || typeof futures[Symbol.iterator] !== "function") {
    throw new TypeError(`Cannot ${action} as 'futures' must be an iterable of promises or AsyncResults: received ${describe(futures)}`);
  }
  const items = [...futures];
  for (const item of items) {
    const fields = item as { then?: unknown; wait?: unknown; successful?: unknown } | null;
    const ok =
      fields !== null &&
      (typeof fields === "object" || typeof fields === "function") &&
      (typeof fields.then === "function" || (typeof fields.wait === "function" && typeof fields.successful === "function"));
    if (!ok) {
      throw new TypeError(`Cannot ${action} as each of 'futures' must be a promise or an AsyncResult: received ${describe(item)}`);
    }
  }
  return items;
}
