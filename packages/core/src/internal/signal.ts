/**
 * Small helpers for `AbortSignal`, so every wait handles abortion the same
 * way: reject with `signal.reason`, and remove the listener once settled.
 *
 * @module
 */

/** Throws `signal.reason` when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/**
 * Calls `onAbort` once when `signal` aborts. Returns a function that removes
 * the listener (call it when the wait settles, to leak nothing).
 */
export function listenAbort(signal: AbortSignal | undefined, onAbort: (reason: unknown) => void): () => void {
  if (signal === undefined) return noop;
  const listener = (): void => onAbort(signal.reason);
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

function noop(): void {}

/**
 * An AbortSignal that aborts when any of `signals` does (undefined ones are
 * skipped), with that signal's reason. `AbortSignal.any` exists on Node 20.3+;
 * this wrapper skips the allocation when there is nothing to combine.
 */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return AbortSignal.any(present);
}
