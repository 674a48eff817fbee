/**
 * `RedisWorker`: runs the jobs of a `RedisPool` queue, on any machine that
 * reaches the Redis server. `juggle worker` is a thin command around it.
 *
 * @module
 */
import { hostname } from "node:os";
import { DelayedError, type Job, Worker } from "bullmq";
import { checkInteger, checkMilliseconds, checkOptions, checkTypeStripping, describe, given, moduleUrl } from "juggle-core/executor";
import type { Redis } from "ioredis";
import { CancelledError, ThreadPool, task } from "juggle-core";
import { bullConnection, connectionSpec, createClient, DEFAULT_CONNECT_TIMEOUT, probe, type RedisConnection } from "./connection.js";
import { isFailure, JobAbort, type JobData, runJob, toFailure } from "./job.js";
import { KeySlots } from "./key-limits.js";
import type { runJobInThread } from "./thread-task.js";
import {
  DEFAULT_LOCK_DURATION,
  DEFAULT_MAX_STALLED_COUNT,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  DEFAULT_STALLED_INTERVAL,
  abortChannel,
  checkKeyName,
} from "./settings.js";

/** Options for {@link RedisWorker.start}. */
export interface RedisWorkerOptions {
  /** Where Redis is (URL or ioredis options). */
  connection: RedisConnection;
  /** The task modules this worker may run (absolute paths or URLs). */
  tasks: readonly (string | URL)[];
  /** Queue name. Default `"juggle"`. */
  queue?: string;
  /** Key prefix. Default `"juggle"`. */
  prefix?: string;
  /** Jobs run at once on the main thread (for I/O-bound tasks). Default 1. */
  concurrency?: number;
  /** Run jobs in this many worker threads instead (for CPU-bound tasks). Default 0: main thread. */
  threads?: number;
  /** Job lock in ms. Default 4,000. */
  lockDuration?: number;
  /** Stalled-job check period in ms. Default 2,000. */
  stalledInterval?: number;
  /** Recoveries of a job from dead workers before it fails. Default 2. */
  maxStalledCount?: number;
  /** Worker name shown by `juggle queues`. Default `<host>:<pid>`. */
  name?: string;
  /** Ms allowed to reach Redis at start. Default 5,000. */
  connectTimeout?: number;
  /** Where log lines go. Default: none. */
  log?: (line: string) => void;
  /** Log each job, not only start and stop. Default true when `log` is set. */
  logJobs?: boolean;
}

/**
 * A worker process's consumer of a juggle queue: takes jobs, runs their tasks
 * (on its main thread or in worker threads), returns results or errors. Jobs
 * of a worker that dies are recovered by the others within about
 * `lockDuration + 2 × stalledInterval`; a task may therefore run more than
 * once, so its side effects should be idempotent.
 *
 * Python: a Celery worker (`celery worker`), or a `multiprocessing` manager's
 * remote worker.
 *
 * @example Running a worker in-process
 * ```ts
 * import { RedisWorker } from "juggle-redis";
 * const worker = await RedisWorker.start({
 *   connection: "redis://127.0.0.1:6379",
 *   tasks: [new URL("./tasks.js", import.meta.url)],
 * });
 * // ... later
 * await worker.close();
 * ```
 */
export class RedisWorker implements AsyncDisposable {
  /** The name shown by `juggle queues`. */
  readonly name: string;
  readonly #worker: Worker;
  readonly #log: ((line: string) => void) | undefined;
  readonly #subscriber: Redis;
  readonly #pool: ThreadPool | undefined;
  readonly #closeSlots: () => Promise<void> | undefined;
  #completed = 0;
  #failed = 0;
  #closing: Promise<void> | undefined;

  private constructor(
    worker: Worker,
    name: string,
    log: ((line: string) => void) | undefined,
    subscriber: Redis,
    pool: ThreadPool | undefined,
    closeSlots: () => Promise<void> | undefined,
  ) {
    this.#worker = worker;
    this.#closeSlots = closeSlots;
    this.#pool = pool;
    this.#subscriber = subscriber;
    this.name = name;
    this.#log = log;
  }

  /**
   * Checks the options, reaches Redis, loads the task modules and starts
   * taking jobs.
   *
   * @throws {TypeError | RangeError} On a bad option.
   * @throws {RedisUnreachableError} When Redis cannot be reached within `connectTimeout`.
   * @throws {Error} When a task module cannot be loaded.
   */
  static async start(options: RedisWorkerOptions): Promise<RedisWorker> {
    const action = "start worker";
    const o = checkOptions<RedisWorkerOptions>(action, options);
    const spec = connectionSpec(action, o.connection, given(o.connectTimeout, DEFAULT_CONNECT_TIMEOUT));
    if (!Array.isArray(o.tasks) || o.tasks.length === 0) {
      throw new TypeError(`Cannot ${action} as 'tasks' must be a non-empty array of module paths or URLs: received ${describe(o.tasks)}`);
    }
    // Paths relative to the working directory, as on the command line.
    const modules = o.tasks.map((m) => moduleUrl(action, m, { name: "tasks", relativeTo: process.cwd() }));
    const concurrency = checkInteger(action, "concurrency", given(o.concurrency, 1), { min: 1 });
    const threads = checkInteger(action, "threads", given(o.threads, 0));
    const lockDuration = checkMilliseconds(action, "lockDuration", given(o.lockDuration, DEFAULT_LOCK_DURATION), { min: 100 });
    const stalledInterval = checkMilliseconds(action, "stalledInterval", given(o.stalledInterval, DEFAULT_STALLED_INTERVAL), {
      min: 100,
    });
    const maxStalledCount = checkInteger(action, "maxStalledCount", given(o.maxStalledCount, DEFAULT_MAX_STALLED_COUNT));
    const name = given(o.name, `${hostname()}:${process.pid}`);
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(`Cannot ${action} as 'name' must be a non-empty string: received ${describe(name)}`);
    }
    const queue = checkKeyName(action, "queue", o.queue, DEFAULT_QUEUE);
    const prefix = checkKeyName(action, "prefix", o.prefix, DEFAULT_PREFIX);
    const log = o.log;
    if (log !== undefined && typeof log !== "function") {
      throw new TypeError(`Cannot ${action} as 'log' must be a function: received ${describe(log)}`);
    }
    const logJobs = given(o.logJobs, log !== undefined);
    if (typeof logJobs !== "boolean") {
      throw new TypeError(`Cannot ${action} as 'logJobs' must be a boolean: received ${describe(logJobs)}`);
    }

    await probe(spec, action);
    // Fail fast on a missing module or a syntax error, not at the first job.
    for (const m of modules) {
      checkTypeStripping(m);
      try {
        await import(m);
      } catch (cause) {
        throw new Error(`Cannot ${action} as task module ${m} cannot be loaded: ${(cause as Error)?.message ?? cause}`, { cause });
      }
    }

    // Producers publish the ids of running jobs whose call was cancelled;
    // the task sees its taskSignal() abort (in a thread too).
    const running = new Map<string, JobAbort>();
    const subscriber = createClient(spec, { maxRetriesPerRequest: null });
    subscriber.on("error", () => {});
    subscriber.on("message", (_channel: string, jobId: string) => {
      const controller = running.get(jobId);
      if (controller !== undefined) {
        log?.(`job ${jobId} aborted by its caller`);
        controller.abort(new CancelledError(`Task of job ${jobId} was cancelled by its caller`));
      }
    });
    await subscriber.subscribe(abortChannel(prefix, queue));

    const common = {
      connection: bullConnection(spec),
      prefix,
      lockDuration,
      stalledInterval,
      maxStalledCount,
      name,
      autorun: false,
    };
    // Jobs run on the main thread, or in a juggle ThreadPool (one job per
    // thread at a time); either way the main thread renews the locks.
    const pool = threads > 0 ? new ThreadPool({ workers: threads }) : undefined;
    // Per-key limits (jobs with a key): on a connection of their own, made at the first keyed job.
    let slots: KeySlots | undefined;
    const threadTask = task<typeof runJobInThread>(new URL("./thread-task.js", import.meta.url), "runJobInThread");
    const worker = new Worker(
      queue,
      async (job: Job<JobData>, token?: string) => {
        const id = job.id ?? "";
        const key = job.data.k;
        let release: (() => Promise<void>) | undefined;
        if (key !== undefined && job.data.kl !== undefined) {
          slots ??= new KeySlots(createClient(spec, { maxRetriesPerRequest: null }), prefix, queue, lockDuration);
          const wait = await slots.acquire(id, key, job.data.kl);
          if (wait > 0) {
            // No room for the key: wait in BullMQ's delayed set (not a
            // failure, no attempt used), leaving this worker to other jobs.
            await job.moveToDelayed(Date.now() + wait, token);
            throw new DelayedError();
          }
          release = slots.hold(id, key);
        }
        // The job's signal is made only if its task asks for it (taskSignal()).
        const controller = new JobAbort();
        running.set(id, controller);
        try {
          if (pool !== undefined) return await pool.run(threadTask, [job.data, modules, name], { signal: controller.signal });
          return await runJob(job.data, { modules, worker: name, controller });
        } catch (error) {
          // A failure from a thread is already encoded; anything else (a task
          // error here, a crashed thread, an abort) is encoded now.
          throw isFailure(error) ? error : toFailure(error);
        } finally {
          running.delete(id);
          await release?.().catch(() => {});
        }
      },
      { ...common, concurrency: pool === undefined ? concurrency : threads },
    );
    const self = new RedisWorker(worker, name, log, subscriber, pool, () => slots?.close());
    worker.on("error", (error) => log?.(`worker ${name}: Redis error: ${error.message}`));
    worker.on("completed", (job) => {
      self.#completed++;
      if (logJobs) log?.(`job ${job.id} ${job.name} ok in ${(job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now())} ms`);
    });
    worker.on("failed", (job, error) => {
      self.#failed++;
      if (logJobs) log?.(`job ${job?.id} ${job?.name} failed: ${error.message.split("\n")[0]}`);
    });
    if (logJobs) worker.on("active", (job) => log?.(`job ${job.id} ${job.name} started (attempt ${job.attemptsMade + 1})`));
    worker.run().catch((error: unknown) => log?.(`worker ${name} stopped: ${(error as Error)?.message ?? error}`));
    await worker.waitUntilReady();
    log?.(
      `worker ${name} ready on ${spec.label} queue '${queue}' (${threads > 0 ? `${threads} threads` : `concurrency ${concurrency}`}; lock ${lockDuration} ms, stalled check ${stalledInterval} ms) running ${modules.join(", ")}`,
    );
    return self;
  }

  /** Jobs this worker finished successfully / with an error. */
  get counts(): { completed: number; failed: number } {
    return { completed: this.#completed, failed: this.#failed };
  }

  /**
   * Stops taking jobs and waits for the running ones to finish (graceful), or,
   * with `force`, stops at once: running jobs keep their lock until it expires
   * and are then run again by another worker.
   */
  close(force = false): Promise<void> {
    if (this.#closing === undefined || force) {
      this.#log?.(`worker ${this.name} ${force ? "stopping now" : "finishing its running jobs"}`);
      this.#closing = this.#worker.close(force).then(async () => {
        await this.#subscriber.quit().catch(() => this.#subscriber.disconnect());
        await this.#closeSlots();
        if (force) await this.#pool?.terminate();
        else {
          this.#pool?.close();
          await this.#pool?.join();
        }
        this.#log?.(`worker ${this.name} stopped`);
      });
    }
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
