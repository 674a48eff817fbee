/**
 * The one way every primitive of this layer waits: a waiter is a node in a
 * {@link WaiterList} (FIFO, O(1) removal) holding its promise's settle
 * functions and its `AbortSignal`.
 *
 * The contract every primitive builds on:
 *
 * - A waiter is either *woken* (removed from the list and its promise
 *   resolved: it now owns what it waited for, a permit, a lock or an item)
 *   or *aborted* (removed from the list and its promise rejected with
 *   `signal.reason`: it owns nothing). Never both, never neither.
 * - Waking skips a waiter whose signal has already aborted but whose abort
 *   listener has not run yet. That happens when an earlier listener of the
 *   same signal releases a permit or puts an item: the permit or item then
 *   goes to the next live waiter instead of to one that is giving up.
 * - The abort listener is removed when the waiter is woken, so a long-lived
 *   signal does not collect listeners.
 *
 * The promise is resolved by whoever wakes the waiter, but the code after
 * `await` runs in the waiting caller's AsyncLocalStorage context: a promise
 * reaction runs in the context where `then` was called, not where `resolve`
 * was (unlike limiters that call the queued *function* from the releasing
 * side).
 *
 * @module
 */
import { listenAbort } from "../internal/signal.js";
import { checkOptions, checkSignal } from "../internal/validate.js";
import type { WaiterList, WaiterNode } from "../internal/waiters.js";

/** A pending wait for a `T`, optionally carrying data (a putter's item). */
export interface Waiter<T, D = undefined> {
  readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly data: D;
  /** Removes the waiter's abort callback (one listener per signal dispatches to every waiter on it). */
  onAbort: (() => void) | undefined;
}

/** A promise resolved once, shared by every fast path that has nothing to wait for. */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Appends a waiter to `list` and returns its promise. The caller has already
 * checked that `signal` is not aborted.
 */
export function enqueue<T, D = undefined>(
  list: WaiterList<Waiter<T, D>>,
  signal: AbortSignal | undefined,
  data?: D,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    requeue(list, { resolve, reject, signal, data: data as D, onAbort: undefined });
  });
}

/**
 * Appends an existing waiter (one taken off a list with {@link takeLive} and
 * not settled) to `list`, listening to its signal again.
 */
export function requeue<T, D>(list: WaiterList<Waiter<T, D>>, waiter: Waiter<T, D>): void {
  const node: WaiterNode<Waiter<T, D>> = list.push(waiter);
  const signal = waiter.signal;
  if (signal !== undefined) {
    waiter.onAbort = listenAbort(signal, (reason) => {
      if (list.remove(node)) waiter.reject(reason);
    });
  }
}

/**
 * Removes and returns the first waiter that is not giving up, with its abort
 * listener detached; rejects (with their signal's reason) the aborted ones
 * met on the way. The caller then resolves it. Returns undefined when no live
 * waiter is left.
 */
export function takeLive<T, D>(list: WaiterList<Waiter<T, D>>): Waiter<T, D> | undefined {
  for (;;) {
    const waiter = list.shift();
    if (waiter === undefined) return undefined;
    const signal = waiter.signal;
    if (signal !== undefined) {
      (waiter.onAbort as () => void)();
      if (signal.aborted) {
        waiter.reject(signal.reason);
        continue;
      }
    }
    return waiter;
  }
}

/** Wakes the first live waiter with `value`; false when there is none. */
export function wakeOne<T, D>(list: WaiterList<Waiter<T, D>>, value: T): boolean {
  const waiter = takeLive(list);
  if (waiter === undefined) return false;
  waiter.resolve(value);
  return true;
}

/** Wakes every live waiter with `value`; returns how many were woken. */
export function wakeAll<T, D>(list: WaiterList<Waiter<T, D>>, value: T): number {
  let woken = 0;
  while (wakeOne(list, value)) woken++;
  return woken;
}

/** Rejects every waiter with `error` (an aborted one with its own reason). */
export function rejectAll<T, D>(list: WaiterList<Waiter<T, D>>, error: unknown): void {
  for (;;) {
    const waiter = takeLive(list);
    if (waiter === undefined) return;
    waiter.reject(error);
  }
}

/**
 * Runs `fn` and then `holder.release()`, whether `fn` returns or throws: the
 * body of `withLock`/`withPermit` once the lock or permit is held.
 */
export async function runHolding<T>(holder: { release(): void }, fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
  try {
    return await fn();
  } finally {
    holder.release();
  }
}

/** Reads `{ signal }` from a wait's options, checking both. */
export function signalOf(action: string, options: { signal?: AbortSignal } | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  return checkSignal(action, checkOptions<{ signal?: AbortSignal }>(action, options).signal);
}
