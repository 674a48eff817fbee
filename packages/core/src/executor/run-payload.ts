/**
 * Runs one job's payload with a task function: a single call, or a chunk of
 * calls in order (Python's `mapstar`/`starmapstar`). Synchronous tasks stay
 * synchronous (no promise, no microtask per item); the first promise a call
 * returns switches the rest of the chunk to an async loop. Shared by the
 * event-loop executor and the worker entry point.
 *
 * @internal
 * @module
 */
import { isThenable } from "../internal/thenable.js";
import { KIND_CALL, KIND_STARMAP } from "./job.js";
import { callChunk, callWithSignal, type TaskFn } from "./task.js";

/**
 * The result of the job (a chunk's result is the array of its results), or a
 * promise of it when a call returned a promise. Throws synchronously when a
 * synchronous call throws.
 */
export function runPayload(fn: TaskFn, kind: number, payload: unknown[], signal: AbortSignal): unknown {
  if (kind === KIND_CALL) return callWithSignal(fn, payload, signal);
  const out = new Array<unknown>(payload.length);
  const star = kind === KIND_STARMAP;
  const next = callChunk(fn, payload, star, signal, out, 0);
  if (next === payload.length && !isThenable(out[next - 1])) return out;
  return finishChunk(fn, payload, star, signal, out, next);
}

async function finishChunk(
  fn: TaskFn,
  items: unknown[],
  star: boolean,
  signal: AbortSignal,
  out: unknown[],
  next: number,
): Promise<unknown[]> {
  for (;;) {
    out[next - 1] = await out[next - 1];
    if (next >= items.length) return out;
    next = callChunk(fn, items, star, signal, out, next);
    if (next === items.length && !isThenable(out[next - 1])) return out;
  }
}
