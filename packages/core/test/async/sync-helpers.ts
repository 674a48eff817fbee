/**
 * Helpers for the tests of the synchronization primitives: deterministic
 * ways to let pending work run and to look at a promise's state. No timers
 * order events: `settle()` only lets every queued microtask run.
 */

/** Resolves once every microtask queued so far (and those they queue) has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export type State = "pending" | "fulfilled" | "rejected";

/** Tracks a promise's state (marking a rejection handled). */
export function track<T>(promise: Promise<T>): { readonly state: State; readonly value: T | undefined; readonly reason: unknown } {
  const out = { state: "pending" as State, value: undefined as T | undefined, reason: undefined as unknown };
  promise.then(
    (value) => {
      out.state = "fulfilled";
      out.value = value;
    },
    (reason) => {
      out.state = "rejected";
      out.reason = reason;
    },
  );
  return out;
}

/** The state of `promise` once pending microtasks have run. */
export async function stateOf(promise: Promise<unknown>): Promise<State> {
  const t = track(promise);
  await settle();
  return t.state;
}

/** An AbortController whose signal already has a listener that runs `first` before any listener added later. */
export function controllerWithFirstListener(first: () => void): AbortController {
  const controller = new AbortController();
  controller.signal.addEventListener("abort", first, { once: true });
  return controller;
}

/**
 * Settles like `promise`, or rejects once `bound` ms passed without it
 * settling: a hang becomes a failure. The bound is far above any honest
 * delay; nothing is timed with it.
 */
export function bounded<T>(promise: Promise<T>, what: string, bound = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle`)), bound);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}
