/**
 * Small helpers for `AbortSignal`, so every wait handles abortion the same
 * way: reject with `signal.reason`, and remove the listener once settled.
 *
 * @module
 */
import { setMaxListeners } from "node:events";
import { WaiterList } from "./waiters.js";

/** Throws `signal.reason` when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** The callbacks waiting on one signal, behind its single `abort` listener. */
interface Dispatcher {
  readonly callbacks: WaiterList<(reason: unknown) => void>;
  readonly listener: () => void;
}

// One `abort` listener per signal, whatever the number of waits on it: a
// caller commonly hands one signal to many waits ("cancel everything"), and
// a listener per wait makes Node print "MaxListenersExceededWarning:
// Possible EventTarget memory leak" beyond 10 of them although nothing leaks.
const dispatchers = new WeakMap<AbortSignal, Dispatcher>();

function dispatcherOf(signal: AbortSignal): Dispatcher {
  let dispatcher = dispatchers.get(signal);
  if (dispatcher === undefined) {
    const callbacks = new WaiterList<(reason: unknown) => void>();
    const listener = (): void => {
      dispatchers.delete(signal);
      // One at a time: a callback may remove a later one, which then is not called.
      for (let callback = callbacks.shift(); callback !== undefined; callback = callbacks.shift()) callback(signal.reason);
    };
    dispatcher = { callbacks, listener };
    dispatchers.set(signal, dispatcher);
    signal.addEventListener("abort", listener, { once: true });
  }
  return dispatcher;
}

/**
 * Calls `onAbort` once when `signal` aborts, in the order the calls were
 * registered. Returns a function that removes the callback (call it when the
 * wait settles, to leak nothing). The signal carries one listener however
 * many callbacks wait on it.
 */
export function listenAbort(signal: AbortSignal | undefined, onAbort: (reason: unknown) => void): () => void {
  if (signal === undefined) return noop;
  const dispatcher = dispatcherOf(signal);
  const node = dispatcher.callbacks.push(onAbort);
  return () => {
    if (!dispatcher.callbacks.remove(node) || dispatcher.callbacks.length > 0) return;
    if (dispatchers.get(signal) === dispatcher) dispatchers.delete(signal);
    signal.removeEventListener("abort", dispatcher.listener);
  };
}

function noop(): void {}

/**
 * An AbortController whose signal juggle hands to user code (a map's `fn`, a
 * TaskGroup's tasks): each of them may listen to it (`fetch`, `sleep`…), so
 * 16 calls in flight are 16 legitimate listeners, not a leak; Node's
 * warning beyond 10 is turned off for this signal only.
 */
export function ownedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

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
