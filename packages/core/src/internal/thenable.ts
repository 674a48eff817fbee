/**
 * The one test for "is this a promise?" used everywhere in juggle: an object
 * or function with a callable `then` (the Promises/A+ rule, which `await`
 * follows too), so a task returning a foreign promise or a thenable function
 * is awaited exactly like a native promise.
 *
 * @internal
 * @module
 */

/**
 * True for promises and other thenables.
 *
 * @param value Anything.
 *
 * @example Awaiting only what needs it
 * ```ts
 * import { isThenable, runPayload } from "juggle-core/executor";
 * let value = runPayload(fn, job.kind, job.payload, signal);
 * if (isThenable(value)) value = await value;
 * ```
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
