/**
 * The BullMQ sandboxed processor that `juggle worker --threads N` runs in
 * worker threads, so CPU-bound tasks use every core while the worker's main
 * thread keeps renewing job locks. Task modules come from the worker through
 * the `JUGGLE_WORKER_TASKS` environment variable (threads inherit it).
 *
 * @internal
 * @module
 */
import { runJob, type JobData, toFailure } from "./job.js";
import { threadId } from "node:worker_threads";
import { TASKS_ENV, WORKER_NAME_ENV } from "./settings.js";

const modules = JSON.parse(process.env[TASKS_ENV] ?? "null") as string[] | null;
const worker = `${process.env[WORKER_NAME_ENV] ?? "worker"}/t${threadId}`;

export default async function processJob(job: { data: JobData }): Promise<string> {
  try {
    return await runJob(job.data, { modules: modules ?? undefined, worker });
  } catch (error) {
    throw toFailure(error);
  }
}
