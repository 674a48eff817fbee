/**
 * The one place where shared-memory primitives wait on a 32-bit word.
 *
 * Workers block in `Atomics.wait`; the main thread (and any caller of an async
 * method) waits with `Atomics.waitAsync`, which never blocks the event loop.
 *
 * An `Atomics.waitAsync` cannot be cancelled: when its `AbortSignal` fires the
 * caller's promise rejects at once, but the engine keeps the waiter queued on
 * the word until a notify or its timeout. Such a stale waiter would swallow a
 * `notify(…, 1)` meant for a live one (a lost wake-up: the classic way an
 * aborted wait "leaves something behind"). So a stale waiter that is woken
 * passes the wake-up on with one more `Atomics.notify`. Every primitive loops
 * and re-checks its state after waking, so an extra wake-up is harmless.
 * (A pending `Atomics.waitAsync` does not keep the process alive.)
 *
 * @internal
 * @module
 */
import { isMainThread } from "node:worker_threads";
import { JuggleError } from "../internal/errors.js";
import { clearLongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { listenAbort } from "../internal/signal.js";
import { checkMilliseconds, checkOptions, checkSignal } from "../internal/validate.js";

// `Atomics.waitAsync` (Node 16+) is typed from lib es2024 only.
declare global {
  interface Atomics {
    waitAsync(
      typedArray: Int32Array | BigInt64Array,
      index: number,
      value: number | bigint,
      timeout?: number,
    ): { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
  }
}

/** What a wait ended with, as `Atomics.wait` reports it. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

/** Options of every async wait. */
export interface WaitOptions {
  /** Milliseconds to wait at most. Default: no limit. */
  timeout?: number;
  /** Cancels the wait: the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Options of every blocking (`…Sync`) wait. */
export interface SyncWaitOptions {
  /** Milliseconds to wait at most. Default: no limit. */
  timeout?: number;
}

/** Longest engine-side `Atomics.waitAsync` of a wait with no deadline (see `waitAsync`). */
const ENGINE_SLICE = 30_000;

/** Iterations a worker spins, re-reading a word, before it sleeps in `Atomics.wait`. */
export const SPIN = 64;

/** Throws when a blocking method is called on the main thread. */
export function assertCanBlock(what: string, instead: string): void {
  if (isMainThread) {
    throw new JuggleError(
      `Cannot call ${what} on the main thread as it would block the event loop: use ${instead} instead`,
      "ERR_JUGGLE_MAIN_THREAD_BLOCK",
    );
  }
}

/** Validates wait options once and returns the absolute deadline (`performance.now()` based). */
export function parseWait(action: string, options: unknown): { deadline: number; signal: AbortSignal | undefined } {
  const o = checkOptions<WaitOptions>(action, options);
  const signal = checkSignal(action, o.signal);
  const deadline =
    o.timeout === undefined
      ? Number.POSITIVE_INFINITY
      : performance.now() + checkMilliseconds(action, "timeout", o.timeout, { allowInfinity: true });
  signal?.throwIfAborted();
  return { deadline, signal };
}

/**
 * Checks wait options before a fast path that does not need them, so a bad
 * option fails whether or not the call would have waited. Throws the signal's
 * reason when it is aborted. Costs nothing when `options` is undefined.
 */
export function checkWait(action: string, options: unknown): void {
  if (options !== undefined) parseWait(action, options);
}

/** Milliseconds left before `deadline` (never negative). */
export function remaining(deadline: number): number {
  if (deadline === Number.POSITIVE_INFINITY) return deadline;
  return Math.max(0, deadline - performance.now());
}

/** Blocks the calling worker until `i32[index] !== expected`, a notify, or the deadline. */
export function waitSync(i32: Int32Array, index: number, expected: number, deadline: number): WaitResult {
  const ms = remaining(deadline);
  if (ms <= 0) return Atomics.load(i32, index) === expected ? "timed-out" : "not-equal";
  return Atomics.wait(i32, index, expected, ms);
}

/**
 * Waits without blocking until `i32[index] !== expected`, a notify, or the
 * deadline; rejects with `signal.reason` when the signal aborts.
 */
export function waitAsync(
  i32: Int32Array,
  index: number,
  expected: number,
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<WaitResult> {
  const ms = remaining(deadline);
  if (ms <= 0) return Promise.resolve(Atomics.load(i32, index) === expected ? "timed-out" : "not-equal");
  if (signal?.aborted) return Promise.reject(signal.reason);
  const finite = ms !== Number.POSITIVE_INFINITY;
  // The engine's own timeout is a little later than ours: our timer decides
  // (a pending waitAsync does not keep the process alive, a timer does), and
  // the engine drops the abandoned waiter soon after. With no deadline, the
  // engine wait is re-armed every ENGINE_SLICE ms, so a waiter abandoned
  // through its signal is dropped within that time even if no notify comes.
  const r = Atomics.waitAsync(i32, index, expected, finite ? ms + 100 : ENGINE_SLICE);
  if (!r.async) return Promise.resolve(r.value);
  return new Promise<WaitResult>((resolve, reject) => {
    let stale = false;
    const settle = (result: WaitResult): void => {
      stale = true;
      off();
      clearLongTimeout(timer);
      resolve(result);
    };
    const timer = finite
      ? setLongTimeout(() => settle(Atomics.load(i32, index) === expected ? "timed-out" : "not-equal"), ms)
      : undefined;
    const off = listenAbort(signal, (reason) => {
      stale = true;
      clearLongTimeout(timer);
      reject(reason);
    });
    const onResult = (result: "ok" | "timed-out"): void => {
      if (stale) {
        // Pass on the wake-up this abandoned waiter swallowed.
        if (result === "ok") Atomics.notify(i32, index, 1);
      } else if (result === "timed-out" && !finite) {
        const again = Atomics.waitAsync(i32, index, expected, ENGINE_SLICE);
        if (again.async) void again.value.then(onResult);
        else settle(again.value);
      } else {
        settle(result);
      }
    };
    void r.value.then(onResult);
  });
}
