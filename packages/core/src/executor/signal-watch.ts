/**
 * The abort signals of an executor's pending jobs: one listener per signal,
 * not per job. Callers often share one signal among many tasks ("cancel
 * everything"), and a listener per task would make Node warn about a leak
 * beyond 10 of them.
 *
 * @internal
 * @module
 */
import { listenAbort } from "../internal/signal.js";
import type { Job } from "./job.js";

/** Jobs waiting on each signal, and the one listener per signal. */
export class SignalWatch {
  readonly #bySignal = new Map<AbortSignal, Set<Job>>();
  readonly #unlisteners = new Map<AbortSignal, () => void>();
  readonly #onAbort: (jobs: Set<Job>, reason: unknown) => void;

  /** @param onAbort Called once per aborted signal with the jobs still watched on it. */
  constructor(onAbort: (jobs: Set<Job>, reason: unknown) => void) {
    this.#onAbort = onAbort;
  }

  /** Watches `signal` for `job` (the signal must not be aborted yet). */
  watch(job: Job, signal: AbortSignal): void {
    let jobs = this.#bySignal.get(signal);
    if (jobs === undefined) {
      jobs = new Set();
      this.#bySignal.set(signal, jobs);
      this.#unlisteners.set(
        signal,
        listenAbort(signal, (reason) => this.#aborted(signal, reason)),
      );
    }
    jobs.add(job);
  }

  /** Stops watching `signal` for `job`; the listener goes with the signal's last job. */
  unwatch(job: Job, signal: AbortSignal): void {
    const jobs = this.#bySignal.get(signal);
    if (jobs === undefined || !jobs.delete(job) || jobs.size > 0) return;
    this.#bySignal.delete(signal);
    this.#unlisteners.get(signal)?.();
    this.#unlisteners.delete(signal);
  }

  #aborted(signal: AbortSignal, reason: unknown): void {
    const jobs = this.#bySignal.get(signal);
    this.#bySignal.delete(signal);
    this.#unlisteners.delete(signal);
    if (jobs !== undefined) this.#onAbort(jobs, reason);
  }
}
