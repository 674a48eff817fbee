/**
 * The shared half of every executor: argument checks, the task queue,
 * `map`/`starmap`/`imap`/`imapUnordered`/`applyAsync` on top of chunk jobs,
 * timeouts, cancellation, counters, tracing and the close/join/terminate life
 * cycle. It knows nothing about threads, processes or Redis: a subclass only
 * moves {@link Job}s to something that runs them and reports back.
 *
 * ## Extension points (what a subclass such as `RedisPool` implements)
 *
 * - `get concurrency(): number` — how many jobs can run at once (workers);
 *   used for Python's default chunk size and the map windows.
 * - `dispatch(): void` — called once per tick (microtask) after jobs were
 *   queued or re-queued, and whenever the subclass calls {@link
 *   BaseExecutor.schedule}. Take jobs with {@link BaseExecutor.takeJob}
 *   (which marks them running and starts their timeout) for as long as there
 *   is room, and send them. A job's `kind` says whether `payload` is one
 *   argument list (`KIND_CALL`) or a chunk of items (`KIND_MAP`: each item is
 *   the single argument; `KIND_STARMAP`: each item is an argument list) whose
 *   result is the array of the chunk's results.
 * - Report every taken job exactly once with {@link BaseExecutor.settleJob}
 *   (`ok`, the result or an `Error`, and when known the epoch times the job
 *   started and ended and the worker's id, for tracing and auto chunk size).
 *   Extra reports for a job already settled (timed out, aborted) are ignored.
 *   A job whose worker died before starting it goes back with {@link
 *   BaseExecutor.requeueJob}.
 * - `abandon(job, why)` — the base has just rejected a running job because its
 *   timeout ran out (`"timeout"`) or its signal aborted (`"abort"`); stop the
 *   work (send an abort, terminate the worker…).
 * - `runningJobs(): Iterable<Job>` — jobs taken and not yet settled, for
 *   `terminate()`.
 * - `shutdown(force): Promise<void>` — called when the executor is closed and
 *   every job settled (`force` false), or by `terminate()` after every job was
 *   rejected (`force` true; may follow a graceful call). Stop the workers,
 *   timers and connections; resolve when they are gone.
 * - `workerStats(): WorkerStats[]` — per-worker counters for `stats()`.
 *
 * Encoding payloads for the wire (`encodeShared`, error serialization) is the
 * subclass's business: the base hands over the caller's values as they are.
 * docs/backends.md is the whole contract, with a complete backend.
 *
 * @module
 */
import { CancelledError, ExecutorClosedError, TimeoutError } from "../internal/errors.js";
import { deferred } from "../internal/deferred.js";
import { clearLongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { checkMilliseconds, checkOptions, checkSignal, describe } from "../internal/validate.js";
import type { TraceRecorder } from "../trace/recorder.js";
import { applyAsync } from "./async-result.js";
import type {
  ApplyOptions,
  AsyncResult,
  Executor,
  ExecutorStats,
  MapOptions,
  RunOptions,
  WorkerStats,
} from "./executor.js";
import { Job, KIND_CALL, QUEUED, RUNNING, SETTLED } from "./job.js";
import { JobQueue } from "./job-queue.js";
import { mapAll, MapStream, type MapHost } from "./map-stream.js";
import { allPlain, checkSendable } from "./sendable.js";
import { SignalWatch } from "./signal-watch.js";
import { checkTaskRef, type TaskFn, type TaskRef } from "./task.js";

export { Job, KIND_CALL, KIND_MAP, KIND_STARMAP } from "./job.js";

/** Options every executor accepts. */
export interface BaseExecutorOptions {
  /** Records every task's queued, start and end times and its worker. */
  trace?: TraceRecorder;
}

type Result<F extends TaskFn> = Awaited<ReturnType<F>>;

const captured: { resolve: (value: any) => void; reject: (error: unknown) => void } = {
  resolve: () => {},
  reject: () => {},
};
function capture(resolve: (value: any) => void, reject: (error: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}
type Items<T> = Iterable<T> | AsyncIterable<T>;

/** Shared base of `InlineExecutor`, `ThreadPool`, `ProcessPool` and `RedisPool`. */
export abstract class BaseExecutor implements Executor {
  readonly trace: TraceRecorder | undefined;
  /** Name used in error messages, e.g. `"ThreadPool"`. */
  protected readonly label: string;
  readonly #jobs = new JobQueue();
  #nextId = 1;
  /** Jobs accepted and not settled (queued + running). */
  #pending = 0;
  #scheduled = false;
  #closed = false;
  readonly #signals = new SignalWatch((jobs, reason) => this.#aborted(jobs, reason));
  #terminating = false;
  #shutdownStarted = false;
  #done = deferred<void>();
  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#jobs.length > 0) this.dispatch();
  };
  readonly #onTimeout = (job: Job): void => {
    if (job.state !== RUNNING) return;
    this.settleJob(job, false, new TimeoutError(`Task '${job.ref.name}' timed out after ${job.timeout} ms`));
    this.abandon(job, "timeout");
  };
  /** What `map` and `imap` need from the executor. */
  readonly #host: MapHost;

  constructor(label: string, options: BaseExecutorOptions = {}) {
    this.label = label;
    const trace = options.trace;
    if (trace !== undefined && (trace === null || typeof trace !== "object" || typeof trace.record !== "function")) {
      throw new TypeError(`Cannot create ${label} as 'trace' must be a TraceRecorder: received ${describe(trace)}`);
    }
    this.trace = trace;
    this.#done.promise.catch(() => {});
    this.#host = {
      concurrency: () => this.concurrency,
      enqueue: (job) => {
        // A lazy map still pulling when the executor has shut down: its later chunks cannot run.
        if (this.#shutdownStarted) job.reject(new ExecutorClosedError(`Cannot run task as the ${this.label} is closed`));
        else this.#enqueue(job);
      },
      newJob: (ref, kind, payload, resolve, reject, signal, timeout) =>
        new Job(this.#nextId++, ref, kind, payload, resolve, reject, signal, timeout, undefined),
      cancelQueued: (job, reason) => {
        if (job.state === QUEUED) this.settleJob(job, false, reason);
      },
      checkOpen: (action) => this.#checkOpen(action),
    };
  }

  // ---- extension points ---------------------------------------------------

  /** How many jobs can run at once. */
  protected abstract get concurrency(): number;
  /** Takes queued jobs with `takeJob()` and sends them; see the module doc. */
  protected abstract dispatch(): void;
  /** Stops a running job the base has just rejected (timeout or abort). */
  protected abstract abandon(job: Job, why: "timeout" | "abort"): void;
  /** Jobs taken and not settled. */
  protected abstract runningJobs(): Iterable<Job>;
  /** Stops every worker; see the module doc. */
  protected abstract shutdown(force: boolean): Promise<void>;
  /** Per-worker counters. */
  protected abstract workerStats(): WorkerStats[];

  /** Jobs waiting in the queue (cancelled ones excluded). */
  protected get queuedJobs(): number {
    return this.#jobs.length;
  }

  /** Whether `close()` or `terminate()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Asks for a `dispatch()` call on the next microtask (coalesced). */
  protected schedule(): void {
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  /** Takes the next queued job, marks it running and starts its timeout. */
  protected takeJob(): Job | undefined {
    const job = this.#jobs.take();
    const o = job?.extra;
    if (o !== undefined && o.timeout > 0) o.timer = setLongTimeout(this.#onTimeout, o.timeout, job as Job);
    return job;
  }

  /** The next queued job, left in the queue (cancelled ones are dropped on the way). */
  protected peekJob(): Job | undefined {
    return this.#jobs.peek();
  }

  /** Puts a running job back at the front of the queue (its worker died before finishing it). */
  protected requeueJob(job: Job): void {
    if (job.state !== RUNNING) return;
    const o = job.extra;
    if (o?.timer !== undefined) {
      clearLongTimeout(o.timer);
      o.timer = undefined;
    }
    if (job.extra !== undefined) job.extra.holder = undefined;
    this.#jobs.requeue(job);
    this.schedule();
  }

  /**
   * Reports a job's outcome. `value` is the result, or the error when `ok` is
   * false. `startedAt`/`endedAt` are epoch milliseconds
   * (`performance.timeOrigin + performance.now()` where the job ran); report
   * them for traced executors and for chunk jobs (automatic chunk size).
   * Returns false when the job was already settled.
   */
  protected settleJob(job: Job, ok: boolean, value: unknown, startedAt = 0, endedAt = 0, worker = "main"): boolean {
    if (this.#jobs.settle(job, ok) === SETTLED) return false;
    const o = job.extra;
    if (o !== undefined) {
      if (o.timer !== undefined) clearLongTimeout(o.timer);
      if (o.signal !== undefined) this.#signals.unwatch(job, o.signal);
    }
    if (startedAt > 0) job.ms = endedAt - startedAt;
    const trace = this.trace;
    if (trace !== undefined) {
      const ran = startedAt > 0;
      const end = ran ? trace.fromEpoch(endedAt) : trace.now();
      trace.record({
        id: job.id,
        name: job.ref.name,
        worker: ran ? worker : "none",
        queuedAt: job.queuedAt,
        startedAt: ran ? trace.fromEpoch(startedAt) : end,
        endedAt: end,
        ok,
      });
    }
    if (ok) job.resolve(value);
    else job.reject(value);
    if (--this.#pending === 0 && this.#closed) this.#shutdown(false);
    return true;
  }

  // ---- public API -----------------------------------------------------------

  /**
   * Runs `task(...args)` and resolves to its result; rejects with the task's
   * error (same name, message, stack and properties).
   *
   * Python: `Executor.submit` / `Pool.apply`.
   *
   * @example Submitting a task
   * ```ts
   * const nine = await pool.submit(t.square, 3);
   * ```
   */
  submit<F extends TaskFn>(task: TaskRef<F>, ...args: Parameters<F>): Promise<Result<F>> {
    return this.run(task, args);
  }

  /**
   * `submit` with options: `signal` (a queued task is removed, a running one
   * sees its `taskSignal()` abort), `timeout` (rejects with `TimeoutError`)
   * and `transfer` (buffers moved instead of copied).
   *
   * Rejects with a `TypeError` naming the argument when one cannot be sent,
   * a `RangeError`/`TypeError` for a bad option, `ExecutorClosedError` after
   * `close()`; nothing is queued then.
   *
   * Python: `Executor.submit`.
   *
   * @example A task with a timeout
   * ```ts
   * await pool.run(t.crawl, [url], { timeout: 5_000, signal });
   * ```
   */
  run<F extends TaskFn>(task: TaskRef<F>, args: Parameters<F>, options?: RunOptions): Promise<Result<F>> {
    let signal: AbortSignal | undefined;
    let timeout = 0;
    let transfer: RunOptions["transfer"];
    try {
      this.#checkOpen("run task");
      checkTaskRef("run task", task);
      if (!Array.isArray(args)) {
        throw new TypeError(`Cannot run task '${task.name}' as 'args' must be an array: received ${describe(args)}`);
      }
      if (!allPlain(args)) checkSendable(`run task '${task.name}'`, "args", args);
      if (options !== undefined) {
        const o = checkOptions<RunOptions>(`run task '${task.name}'`, options);
        signal = checkSignal(`run task '${task.name}'`, o.signal);
        if (o.timeout !== undefined) {
          timeout = checkMilliseconds(`run task '${task.name}'`, "timeout", o.timeout, { positive: true, allowInfinity: true });
          if (timeout === Number.POSITIVE_INFINITY) timeout = 0; // no limit
        }
        if (o.transfer !== undefined && !Array.isArray(o.transfer)) {
          throw new TypeError(
            `Cannot run task '${task.name}' as 'transfer' must be an array: received ${describe(o.transfer)}`,
          );
        }
        transfer = o.transfer;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    // One shared executor function: no closure per task on this hot path.
    const promise = new Promise<Result<F>>(capture);
    this.#enqueue(new Job(this.#nextId++, task, KIND_CALL, args, captured.resolve, captured.reject, signal, timeout, transfer));
    return promise;
  }

  /**
   * Calls the task on every item; resolves to the results in input order, or
   * rejects with the first error. See `MapOptions.chunksize`.
   *
   * Python: `Pool.map` / `Executor.map`.
   *
   * @example Squares in order
   * ```ts
   * const squares = await pool.map(t.square, [1, 2, 3]); // [1, 4, 9]
   * ```
   */
  map<F extends TaskFn>(task: TaskRef<F>, items: Items<Parameters<F>[0]>, options?: MapOptions): Promise<Result<F>[]> {
    return mapAll(this.#host, task, items, false, options) as Promise<Result<F>[]>;
  }

  /**
   * `map` where each item is the task's argument list.
   *
   * Python: `Pool.starmap`.
   *
   * @example Adding pairs
   * ```ts
   * const sums = await pool.starmap(t.add, [[1, 2], [3, 4]]); // [3, 7]
   * ```
   */
  starmap<F extends TaskFn>(task: TaskRef<F>, items: Items<Parameters<F>>, options?: MapOptions): Promise<Result<F>[]> {
    return mapAll(this.#host, task, items, true, options) as Promise<Result<F>[]>;
  }

  /**
   * The results of `map` as an async iterator, in input order, reading the
   * items lazily. Breaking out of the loop stops reading.
   *
   * Python: `Pool.imap`.
   *
   * @example Streaming results
   * ```ts
   * for await (const square of pool.imap(t.square, numbers())) console.log(square);
   * ```
   */
  imap<F extends TaskFn>(
    task: TaskRef<F>,
    items: Items<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<Result<F>> {
    return new MapStream(this.#host, task, items, false, options, true, "imap") as AsyncIterableIterator<Result<F>>;
  }

  /**
   * Like `imap`, in completion order.
   *
   * Python: `Pool.imap_unordered` / `concurrent.futures.as_completed`.
   *
   * @example First results first
   * ```ts
   * for await (const page of pool.imapUnordered(t.fetchPage, urls)) save(page);
   * ```
   */
  imapUnordered<F extends TaskFn>(
    task: TaskRef<F>,
    items: Items<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<Result<F>> {
    return new MapStream(this.#host, task, items, false, options, false, "imapUnordered") as AsyncIterableIterator<
      Result<F>
    >;
  }

  /**
   * Runs the task and returns its `AsyncResult` at once.
   *
   * Python: `Pool.apply_async`.
   *
   * @throws {ExecutorClosedError} After `close()`.
   * @example Waiting with a timeout
   * ```ts
   * const result = pool.applyAsync(t.square, [12], { callback: console.log });
   * console.log(await result.get(1_000));
   * ```
   */
  applyAsync<F extends TaskFn>(
    task: TaskRef<F>,
    args: Parameters<F>,
    options?: ApplyOptions<Result<F>>,
  ): AsyncResult<Result<F>> {
    this.#checkOpen("apply task");
    return applyAsync(this, task, args, options);
  }

  /** Counts of tasks (a `map` item is a task) and per-worker utilisation. */
  stats(): ExecutorStats {
    const jobs = this.#jobs;
    return {
      submitted: jobs.submitted,
      completed: jobs.completed,
      failed: jobs.failed,
      queued: jobs.queuedCalls,
      running: jobs.runningCalls,
      workers: this.workerStats(),
    };
  }

  /** Refuses new work; accepted tasks go on, then the workers exit. Python: `Pool.close`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending === 0) this.#shutdown(false);
  }

  /**
   * Resolves once every accepted task finished and every worker exited;
   * rejects while the executor is open. Python: `Pool.join`.
   */
  join(): Promise<void> {
    if (!this.#closed) {
      return Promise.reject(new Error(`Cannot join ${this.label} as it is still open: call close() or terminate() first`));
    }
    return this.#done.promise;
  }

  /**
   * Rejects queued and running tasks with `CancelledError` and stops the
   * workers at once. Python: `Pool.terminate`.
   */
  async terminate(): Promise<void> {
    return this.cancelAll(`the ${this.label} was terminated`);
  }

  /**
   * What `terminate()` does, for a subclass's variants of it: closes the
   * executor, rejects queued then running tasks with `CancelledError` ("Task
   * was cancelled as <why>"), calls `shutdown(true)` and resolves when it is
   * done. Calls after the first only wait.
   */
  protected cancelAll(why: string): Promise<void> {
    this.#closed = true;
    if (!this.#terminating) {
      this.#terminating = true;
      const reason = (): CancelledError => new CancelledError(`Task was cancelled as ${why}`);
      for (const job of this.#jobs.drain()) this.settleJob(job, false, reason());
      for (const job of [...this.runningJobs()]) this.settleJob(job, false, reason());
      this.#shutdown(true);
    }
    return this.#done.promise;
  }

  /** `close()` then `join()`: what `await using` calls. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }

  // ---- internals ---------------------------------------------------------------

  #checkOpen(action: string): void {
    if (this.#closed) throw new ExecutorClosedError(`Cannot ${action} as the ${this.label} is closed`);
  }

  #enqueue(job: Job): void {
    const signal = job.signal;
    if (signal !== undefined) this.#signals.watch(job, signal);
    if (this.trace !== undefined) job.queuedAt = this.trace.now();
    this.#pending++;
    this.#jobs.add(job);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  /** A signal aborted: its jobs still pending are rejected with its reason, running ones abandoned. */
  #aborted(jobs: Set<Job>, reason: unknown): void {
    for (const job of jobs) {
      const state = job.state;
      if (state === SETTLED) continue;
      this.settleJob(job, false, reason);
      if (state === RUNNING) this.abandon(job, "abort");
    }
  }

  #shutdown(force: boolean): void {
    if (this.#shutdownStarted && !force) return;
    this.#shutdownStarted = true;
    this.shutdown(force).then(
      () => this.#done.resolve(),
      (error: unknown) => this.#done.reject(error),
    );
  }
}
