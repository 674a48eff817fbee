/**
 * Stopping a pool's workers on purpose, gently: what `terminateWorkers()`
 * does to each worker once its tasks were rejected (`killWorkers()` and
 * `terminate()` kill them at once instead).
 *
 * @internal
 * @module
 */
import { CancelledError, serializeError } from "../internal/errors.js";
import { clearLongTimeout, setLongTimeout } from "../internal/long-timer.js";
import type { Slot } from "./worker-slot.js";

/**
 * Asks `slot`'s worker to stop, in one message: each job it holds is
 * aborted (a running task sees its `taskSignal()` abort with a
 * `CancelledError`, whether or not it was given a `signal`; one not started
 * is skipped), then the worker is terminated (SIGTERM for a process,
 * `worker.terminate()` for a thread) as soon as it has reported them all, or
 * once `grace` ms have passed, whichever comes first. An idle worker is
 * terminated at once. The pool calls `slot.whenIdle` when the worker has
 * reported its last job. A second call for the same worker changes nothing.
 *
 * Python: what `ProcessPoolExecutor.terminate_workers` does to each process,
 * with an abort grace before the signal.
 */
export function terminateWorker(slot: Slot, grace: number, why: string): void {
  if (slot.whenIdle !== undefined) return; // already asked
  slot.exiting = true;
  clearLongTimeout(slot.idleTimer);
  clearLongTimeout(slot.graceTimer);
  slot.idleTimer = slot.graceTimer = undefined;
  const stop = (): void => {
    slot.whenIdle = undefined;
    clearLongTimeout(slot.graceTimer);
    slot.graceTimer = undefined;
    slot.transport.terminate();
  };
  if (slot.inflight.length === 0) return stop();
  try {
    slot.transport.post({ t: "stop", reason: serializeError(new CancelledError(`Task was cancelled as ${why}`)) });
  } catch {
    return stop();
  }
  slot.whenIdle = stop;
  slot.graceTimer = setLongTimeout(stop, grace);
}
