/**
 * The executor that runs tasks on the event loop, one at a time: the serial
 * baseline every pool is measured against, and a drop-in for tests and
 * debugging (stack traces stay in one thread).
 *
 * @module
 */
import { deserializeError, serializeError, TimeoutError } from "../internal/errors.js";
import { checkOptions } from "../internal/validate.js";
import { BaseExecutor, type BaseExecutorOptions, type Job } from "../executor/base-executor.js";
import type { WorkerStats } from "../executor/executor.js";
import { RUNNING } from "../executor/job.js";
import { runPayload } from "../executor/run-payload.js";
import { isThenable } from "../internal/thenable.js";
import { resolveTask } from "../executor/task.js";

/** Options for {@link InlineExecutor}. */
export interface InlineExecutorOptions extends BaseExecutorOptions {}

const never = new AbortController().signal;

/**
 * Runs each task on the main event loop, in submission order, one at a time
 * (an async task runs to completion before the next starts). Arguments are not
 * copied: tasks see the caller's objects, as in a direct call, where the pools
 * give each call its own copy (the contract suite's `copiesArguments`). A task whose timeout runs out or
 * whose signal aborts is rejected at once and left to finish on its own (its
 * `taskSignal()` aborts); the next task starts.
 *
 * Python: `concurrent.futures.ThreadPoolExecutor(max_workers=1)` without the
 * thread, or `multiprocessing.dummy`.
 *
 * @example Serial baseline
 * ```ts
 * import { InlineExecutor, tasks } from "juggle-core";
 * const t = tasks<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 * await using inline = new InlineExecutor();
 * console.log(await inline.map(t.square, [1, 2, 3])); // [1, 4, 9]
 * ```
 */
export class InlineExecutor extends BaseExecutor {
  #running: Job | undefined;
  #controller: AbortController | undefined;
  #tasks = 0;
  #busyMs = 0;
  readonly #bornAt = performance.now();

  constructor(options?: InlineExecutorOptions) {
    super("InlineExecutor", checkOptions<InlineExecutorOptions>("create InlineExecutor", options));
  }

  protected get concurrency(): number {
    return 1;
  }

  protected dispatch(): void {
    if (this.#running !== undefined) return;
    const job = this.takeJob();
    if (job === undefined) return;
    this.#running = job;
    const controller = job.signal !== undefined || job.timeout > 0 ? new AbortController() : undefined;
    this.#controller = controller;
    void this.#run(job, controller?.signal ?? never);
  }

  async #run(job: Job, signal: AbortSignal): Promise<void> {
    const start = performance.timeOrigin + performance.now();
    let ok = false;
    let value: unknown;
    try {
      const fn = await resolveTask(job.ref);
      if (job.state === RUNNING) {
        value = runPayload(fn, job.kind, job.payload, signal);
        if (isThenable(value)) value = await value;
        ok = true;
      }
    } catch (error) {
      // Like the pools: a thrown non-error arrives wrapped in an Error that says what it was.
      value = error instanceof Error ? error : deserializeError(serializeError(error));
    }
    const end = performance.timeOrigin + performance.now();
    this.#busyMs += end - start;
    this.#tasks += job.count;
    this.settleJob(job, ok, value, start, end, "main");
    if (this.#running === job) this.#next();
  }

  #next(): void {
    this.#running = undefined;
    this.#controller = undefined;
    this.schedule();
  }

  protected abandon(job: Job, why: "timeout" | "abort"): void {
    if (this.#running !== job) return;
    const reason =
      why === "timeout" ? new TimeoutError(`Task '${job.ref.name}' timed out after ${job.timeout} ms`) : job.signal?.reason;
    this.#controller?.abort(reason);
    // The event loop cannot be preempted: leave the task to finish on its own.
    this.#next();
  }

  protected runningJobs(): Iterable<Job> {
    return this.#running === undefined ? [] : [this.#running];
  }

  protected async shutdown(): Promise<void> {
    this.#controller?.abort(new Error("InlineExecutor was terminated"));
  }

  protected workerStats(): WorkerStats[] {
    const life = performance.now() - this.#bornAt;
    return [{ id: "main", tasks: this.#tasks, utilisation: life > 0 ? Math.min(1, this.#busyMs / life) : 0 }];
  }
}
