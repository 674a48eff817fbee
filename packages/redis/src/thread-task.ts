/**
 * The task `juggle worker --threads N` runs in a juggle `ThreadPool`: one
 * BullMQ job, run in a worker thread so that CPU-bound tasks use every core
 * while the worker's main thread keeps renewing job locks. Its `taskSignal()`
 * (aborted when the caller cancels the job) reaches the job's tasks.
 *
 * @internal
 * @module
 */
import { threadId } from "node:worker_threads";
import { taskSignal } from "juggle-core";
import { JobAbort, type JobData, runJob } from "./job.js";

/** Runs one job in this thread; rejects with the encoded failure (see `toFailure` in job.ts). */
export async function runJobInThread(data: JobData, modules: string[], worker: string): Promise<string> {
  const signal = taskSignal();
  const controller = new JobAbort();
  const forward = (): void => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  try {
    // runJob's failures are already encoded for BullMQ (with this thread's name).
    return await runJob(data, { modules, worker: `${worker}/t${threadId}`, controller });
  } finally {
    signal.removeEventListener("abort", forward);
  }
}
