/**
 * `RedisPool`: the executor interface on BullMQ and Redis. The same
 * `submit`/`map`/`imap`/`imapUnordered` as `ThreadPool` and `ProcessPool`
 * (it shares their `BaseExecutor`: argument checks, chunking, map windows,
 * cancellation, counters, tracing, life cycle), with the tasks run by
 * `juggle worker` processes on any number of machines.
 *
 * One pool job is one BullMQ job: a single call, or a chunk of a `map`.
 *
 * @module
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { ExecutorClosedError, type MapOptions, type RunOptions, type TaskFn, type TaskRef, type TraceRecorder, type WorkerStats } from "juggle-core";
import { BaseExecutor, checkChunksize, checkInteger, checkMilliseconds, checkOptions, describe, given, type Job, KIND_CALL, KIND_MAP } from "juggle-core/executor";
import { connectionSpec, createClient, DEFAULT_CONNECT_TIMEOUT, probe, type RedisConnection } from "./connection.js";
import type { JobData, JobResult } from "./job.js";
import { keyedArgs, keyedStream, type RedisMapOptions, type RedisRunOptions } from "./keyed-calls.js";
import { checkKeyLimits, type KeyLimitsData, type KeyLimitsOptions } from "./key-limits.js";
import { DEFAULT_MAX_PAYLOAD_BYTES, decodeResults, encodeArguments } from "./payload.js";
import { abortChannel, checkKeyName, DEFAULT_PREFIX, DEFAULT_QUEUE, DEFAULT_RESULT_TTL_SECONDS } from "./settings.js";
import { JobTracker, type Outcome } from "./tracker.js";

/** How long to wait between attempts of a failed task. */
export type Backoff = number | { type: "fixed" | "exponential"; delay: number };

/** Options for {@link RedisPool}. */
export interface RedisPoolOptions {
  /** Where Redis is: `redis://[:password@]host:port[/db]`, `rediss://…` for TLS, or ioredis options. */
  connection: RedisConnection;
  /** Queue name; workers must use the same. Default `"juggle"`. */
  queue?: string;
  /** Redis key prefix; workers must use the same. Default `"juggle"`. */
  prefix?: string;
  /** Default `chunksize` of `map` and friends when a call gives none (see `MapOptions.chunksize`). */
  chunksize?: number | "auto";
  /**
   * Default ms a call waits for a task (a chunk for `map`) before it fails with
   * `TimeoutError`, counted from when the job is queued in Redis (a job still
   * waiting then is removed; a worker stops waiting for a task that has run
   * this long). Default: no limit.
   */
  timeout?: number;
  /** Extra attempts of a failed task (a chunk for `map`). Default 0. */
  retries?: number;
  /** Delay before a retry: ms (fixed) or `{ type, delay }`. Default `{ type: "exponential", delay: 1000 }`. */
  backoff?: Backoff;
  /** Largest encoded arguments of a job and of its results, in bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Ms allowed to reach Redis before calls fail with `RedisUnreachableError`. Default 5,000. */
  connectTimeout?: number;
  /** Ms without any result after which the pool looks in Redis for completions its events listener missed. Default 1,000. */
  reconcileInterval?: number;
  /**
   * Seconds an uncollected finished job (its producer died) stays in Redis
   * before a running pool on the same queue sweeps it away. Default 3,600.
   */
  resultTtl?: number;
  /** Records each job's queue, start and end times and worker. */
  trace?: TraceRecorder;
  /** Limits per key across every producer and worker (`KeyLimitsOptions`); jobs get keys from the `key` of `run`, `map`, `starmap`, `imap`, `imapUnordered`. */
  keys?: KeyLimitsOptions;
}

interface Settings {
  queue: string;
  prefix: string;
  chunksize: number | "auto" | undefined;
  timeout: number | undefined;
  attempts: number;
  backoff: { type: "fixed" | "exponential"; delay: number };
  maxPayloadBytes: number;
  reconcileInterval: number;
  resultTtl: number;
  keys: KeyLimitsData | undefined;
}

interface Connected {
  client: Redis;
  queue: Queue;
  tracker: JobTracker;
  refresh: NodeJS.Timeout;
  sweeper: NodeJS.Timeout;
}

/** A job encoded and waiting for the next `addBulk`. */
interface Outgoing {
  job: Job;
  id: string;
  data: JobData;
}

type Result<F extends TaskFn> = Awaited<ReturnType<F>>;
type Items<T> = Iterable<T> | AsyncIterable<T>;

const ACTION = "create RedisPool";
/** Jobs per `addBulk` call: large enough to amortise round trips, small enough to let Redis serve others between. */
const ADD_BATCH = 500;
/** Period of the refresh of the connected workers' count, in ms. */
const WORKERS_REFRESH = 5_000;
/** Period of the sweep of uncollected finished jobs, in ms (at most). */
const SWEEP_PERIOD = 600_000;

function checkBackoff(value: unknown): Settings["backoff"] {
  if (value === undefined) return { type: "exponential", delay: 1000 };
  if (typeof value === "number") return { type: "fixed", delay: checkMilliseconds(ACTION, "backoff", value) };
  const b = value as { type?: unknown; delay?: unknown };
  if (typeof b === "object" && b !== null && (b.type === "fixed" || b.type === "exponential")) {
    return { type: b.type, delay: checkMilliseconds(ACTION, "backoff.delay", b.delay) };
  }
  throw new TypeError(
    `Cannot ${ACTION} as 'backoff' must be a number of ms or { type: "fixed" | "exponential", delay }: received ${describe(value)}`,
  );
}

/**
 * An executor whose tasks run on `juggle worker` processes, on this machine or
 * others, through a BullMQ queue on Redis. Tasks are references to module
 * exports (`tasks()`), as for the local pools; arguments and results follow
 * the structured clone contract of the worker threads (`Map`, `BigInt`,
 * `Date`, `undefined`, typed arrays survive; functions and symbols are
 * refused before anything is queued).
 *
 * A task runs at least once: a worker that dies mid-task has its job run
 * again by another worker (within about 8 s with the worker defaults), and the
 * caller still gets exactly one result. Task side effects should therefore be
 * idempotent. Cancelling a call removes its queued jobs; a job already running
 * on a worker finishes there and its result is dropped.
 *
 * Python: `concurrent.futures.Executor` / `multiprocessing.Pool`, on a
 * Celery-like queue.
 *
 * @example Mapping over remote workers
 * ```ts
 * import { tasks } from "juggle-core";
 * import { RedisPool } from "juggle-redis";
 * const t = tasks<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 * // elsewhere: juggle worker --redis redis://127.0.0.1:6379 --tasks ./dist/tasks.js
 * await using pool = new RedisPool({ connection: "redis://127.0.0.1:6379" });
 * const squares = await pool.map(t.square, [1, 2, 3]); // [1, 4, 9]
 * ```
 */
export class RedisPool extends BaseExecutor {
  readonly #spec;
  readonly #settings: Settings;
  /** Unique per pool: job ids are `<producer>-<job id>`. */
  readonly #producer = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  #connecting: Promise<Connected> | undefined;
  #connected: Connected | undefined;
  #workerCount = 1;
  /** Jobs sent (or about to be), by Redis job id. */
  readonly #sent = new Map<string, Job>();
  #outgoing: Outgoing[] = [];
  #flushScheduled = false;
  /** shutdown() has begun: nothing connects or is added any more. */
  #stopped = false;
  #shutdown: Promise<void> | undefined;
  readonly #abandoning = new Set<Promise<void>>();
  readonly #workers = new Map<string, { tasks: number; busy: number; since: number }>();
  /** The key of a keyed call, by its own copy of the argument list (the job's payload). */
  readonly #keyOf = new WeakMap<unknown[], string>();

  /**
   * @throws {TypeError | RangeError} On a bad option (nothing connects until the first call).
   */
  constructor(options: RedisPoolOptions) {
    const o = checkOptions<RedisPoolOptions>(ACTION, options);
    super("RedisPool", { trace: o.trace });
    this.#spec = connectionSpec(ACTION, o.connection, given(o.connectTimeout, DEFAULT_CONNECT_TIMEOUT));
    this.#settings = {
      queue: checkKeyName(ACTION, "queue", o.queue, DEFAULT_QUEUE),
      prefix: checkKeyName(ACTION, "prefix", o.prefix, DEFAULT_PREFIX),
      chunksize: checkChunksize(ACTION, o.chunksize),
      timeout: noLimit(o.timeout === undefined ? undefined : checkMilliseconds(ACTION, "timeout", o.timeout, { positive: true, allowInfinity: true })),
      attempts: checkInteger(ACTION, "retries", given(o.retries, 0)) + 1,
      backoff: checkBackoff(o.backoff),
      maxPayloadBytes: checkInteger(ACTION, "maxPayloadBytes", given(o.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES), { min: 64 }),
      reconcileInterval: checkMilliseconds(ACTION, "reconcileInterval", given(o.reconcileInterval, 1000), { min: 10 }),
      resultTtl: checkInteger(ACTION, "resultTtl", given(o.resultTtl, DEFAULT_RESULT_TTL_SECONDS), { min: 1 }),
      keys: checkKeyLimits(ACTION, o.keys),
    };
  }

  /**
   * Connects to Redis now (calls do it on first use). Rejects with
   * `RedisUnreachableError` within about `connectTimeout` ms when Redis cannot
   * be reached; a later call tries again.
   */
  async ready(): Promise<void> {
    await this.#connect();
  }

  #connect(): Promise<Connected> {
    if (this.#stopped) return Promise.reject(new ExecutorClosedError("Cannot use RedisPool as it is shut down"));
    if (this.#connecting === undefined) {
      this.#connecting = (async () => {
        await probe(this.#spec, "use RedisPool");
        const { queue: name, prefix, reconcileInterval } = this.#settings;
        // Commands wait through a Redis restart instead of failing after a
        // few reconnection attempts: no task is lost to a short outage.
        const client = createClient(this.#spec, { maxRetriesPerRequest: null });
        client.on("error", noop);
        const queue = new Queue(name, { connection: client, prefix });
        queue.on("error", noop);
        const tracker = await JobTracker.start(client, this.#spec, prefix, name, reconcileInterval, noop, (id, outcome) =>
          this.#settle(id, outcome),
        );
        const countWorkers = (): Promise<void> =>
          queue.getWorkersCount().then((n) => {
            this.#workerCount = Math.max(1, n);
          }, noop);
        await countWorkers();
        const refresh = setInterval(countWorkers, WORKERS_REFRESH);
        refresh.unref();
        // Finished jobs nobody collected (their producer died) are swept
        // once they are `resultTtl` old. A per-job age limit
        // (removeOnComplete: { age }) would do it too, but it runs a range
        // query in every job's completion script: measured, it made Redis
        // spend about twice as long per tiny job.
        const graceMs = this.#settings.resultTtl * 1000;
        const sweep = (): void => {
          for (const type of ["completed", "failed"] as const) queue.clean(graceMs, 1000, type).catch(noop);
        };
        sweep();
        const sweeper = setInterval(sweep, Math.min(graceMs, SWEEP_PERIOD));
        sweeper.unref();
        this.#connected = { client, queue, tracker, refresh, sweeper };
        return this.#connected;
      })();
      this.#connecting.catch(() => {
        this.#connecting = undefined;
      });
    }
    return this.#connecting;
  }

  // ---- BaseExecutor extension points -----------------------------------------

  /** Connected workers (refreshed every few seconds), at least 1. */
  protected get concurrency(): number {
    return this.#workerCount;
  }

  protected dispatch(): void {
    for (let job = this.takeJob(); job !== undefined; job = this.takeJob()) this.#encode(job);
    if (this.#outgoing.length > 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #encode(job: Job): void {
    // The base's clock rejects the call once the timeout has passed since the
    // job was sent (and abandon() then removes it if it still waits); the
    // worker also stops waiting for the task once it has run that long.
    const timeout = job.timeout > 0 ? job.timeout : undefined;
    const argLists = job.kind === KIND_CALL ? [job.payload] : job.kind === KIND_MAP ? job.payload.map((x) => [x]) : job.payload;
    let p: string;
    try {
      p = encodeArguments(`send task '${job.ref.name}' to a worker`, argLists as unknown[][], this.#settings.maxPayloadBytes);
    } catch (error) {
      this.settleJob(job, false, error);
      return;
    }
    const data: JobData = { m: job.ref.module, n: job.ref.name, p };
    if (timeout !== undefined) data.t = timeout;
    if (this.#settings.maxPayloadBytes !== DEFAULT_MAX_PAYLOAD_BYTES) data.x = this.#settings.maxPayloadBytes;
    const key = job.kind === KIND_CALL ? this.#keyOf.get(job.payload) : undefined;
    if (key !== undefined) Object.assign(data, { k: key, kl: this.#settings.keys });
    const id = this.#jobId(job);
    this.#sent.set(id, job);
    this.#outgoing.push({ job, id, data });
  }

  #jobId(job: Job): string {
    return `${this.#producer}-${job.id}`;
  }

  /** Adds the encoded jobs to Redis in bulk; the tracker reports their outcomes. */
  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#outgoing;
    this.#outgoing = [];
    // Terminated meanwhile: every job of the batch was settled already.
    if (this.#stopped) return;
    this.#connect().then(
      async ({ queue, tracker }) => {
        const { attempts, backoff } = this.#settings;
        for (let i = 0; i < batch.length; i += ADD_BATCH) {
          // Jobs cancelled while waiting here are not added at all.
          const slice: Outgoing[] = [];
          const ids: string[] = [];
          const bulk = [];
          for (let j = i, end = Math.min(i + ADD_BATCH, batch.length); j < end; j++) {
            const out = batch[j] as Outgoing;
            if (!this.#sent.has(out.id)) continue;
            slice.push(out);
            ids.push(out.id);
            tracker.expect(out.id);
            bulk.push({
              name: out.job.ref.name,
              data: out.data,
              // Retry options only when retrying: they are stored and parsed per job.
              opts: attempts > 1 ? { jobId: out.id, attempts, backoff } : { jobId: out.id },
            });
          }
          if (slice.length === 0) continue;
          try {
            await queue.addBulk(bulk);
            tracker.added(ids);
          } catch (error) {
            await tracker.abandon(ids, (id) => queue.remove(id));
            for (const out of slice) this.#settleSent(out.job, out.id, { ok: false, error: error as Error });
          }
        }
      },
      (error: unknown) => {
        for (const out of batch) this.#settleSent(out.job, out.id, { ok: false, error: error as Error });
      },
    );
  }

  /** A job's outcome from the tracker. */
  #settle(id: string, outcome: Outcome): void {
    const job = this.#sent.get(id);
    if (job !== undefined) this.#settleSent(job, id, outcome);
  }

  #settleSent(job: Job, id: string, outcome: Outcome): void {
    this.#sent.delete(id);
    if (!outcome.ok) {
      const site = outcome.site;
      if (site === undefined) this.settleJob(job, false, outcome.error);
      else {
        this.#countWorker(site.w, job.count, site.s, site.e);
        this.settleJob(job, false, outcome.error, site.s, site.e, site.w);
      }
      return;
    }
    let result: JobResult;
    try {
      result = decodeResults(outcome.value);
    } catch (error) {
      this.settleJob(job, false, new Error(`Cannot read the result of job ${id}: ${(error as Error).message}`, { cause: error }));
      return;
    }
    this.#countWorker(result.w, result.r.length, result.s, result.e);
    this.settleJob(job, true, job.kind === KIND_CALL ? result.r[0] : result.r, result.s, result.e, result.w);
  }

  #countWorker(id: string, tasks: number, startedAt: number, endedAt: number): void {
    let w = this.#workers.get(id);
    if (w === undefined) {
      w = { tasks: 0, busy: 0, since: startedAt };
      this.#workers.set(id, w);
    }
    w.tasks += tasks;
    w.busy += endedAt - startedAt;
  }

  /** The base has rejected a sent job (aborted, or out of time): remove it from Redis if it still waits there. */
  protected abandon(job: Job, _why: "timeout" | "abort"): void {
    const id = this.#jobId(job);
    if (!this.#sent.delete(id)) return;
    const connected = this.#connected;
    if (connected === undefined) return;
    const removal = connected.tracker.abandon([id], (jobId) => this.#removeOrAbort(connected, jobId)).catch(noop);
    // shutdown() waits for removals in flight before it disconnects.
    this.#abandoning.add(removal);
    removal.then(() => this.#abandoning.delete(removal), noop);
  }

  /** Removes a job that still waits; asks the workers to abort it when it runs. */
  async #removeOrAbort({ client, queue }: Connected, jobId: string): Promise<number> {
    const removed = await queue.remove(jobId);
    if (removed !== 1) await client.publish(abortChannel(this.#settings.prefix, this.#settings.queue), jobId);
    return removed;
  }

  protected runningJobs(): Iterable<Job> {
    return this.#sent.values();
  }

  /** Called once when the pool closes and again by terminate(): one shutdown serves both. */
  protected shutdown(_force: boolean): Promise<void> {
    this.#shutdown ??= this.#disconnect();
    return this.#shutdown;
  }

  async #disconnect(): Promise<void> {
    this.#stopped = true;
    const connecting = this.#connecting;
    const ids = [...this.#sent.keys()];
    this.#sent.clear();
    if (connecting === undefined) return;
    const connected = await connecting.catch(() => undefined);
    if (connected === undefined) return;
    // Jobs still sent here were settled by the base without us (terminate()
    // rejects them with CancelledError; its last rejection already calls
    // shutdown(false)): remove the queued ones, abort the running ones.
    if (ids.length > 0) await connected.tracker.abandon(ids, (id) => this.#removeOrAbort(connected, id));
    await Promise.all(this.#abandoning);
    clearInterval(connected.refresh);
    clearInterval(connected.sweeper);
    await connected.tracker.close();
    await connected.queue.close();
    await connected.client.quit().catch(() => connected.client.disconnect());
  }

  protected workerStats(): WorkerStats[] {
    const now = performance.timeOrigin + performance.now();
    return [...this.#workers].map(([id, w]) => ({
      id,
      tasks: w.tasks,
      utilisation: Math.min(1, w.busy / Math.max(1, now - w.since)),
    }));
  }

  // ---- the pool's defaults (chunk size, timeout) ---------------------------------

  override map<F extends TaskFn>(
    task: TaskRef<F>,
    items: Items<Parameters<F>[0]>,
    options?: RedisMapOptions<Parameters<F>[0]>,
  ): Promise<Result<F>[]> {
    if (options?.key !== undefined) return keyedStream<F, Parameters<F>[0]>(this, task, items, options, "map").toArray();
    return super.map(task, items, this.#mapOptions(options));
  }

  override starmap<F extends TaskFn>(
    task: TaskRef<F>,
    items: Items<Parameters<F>>,
    options?: RedisMapOptions<Parameters<F>>,
  ): Promise<Result<F>[]> {
    if (options?.key !== undefined) return keyedStream<F, Parameters<F>>(this, task, items, options, "starmap").toArray();
    return super.starmap(task, items, this.#mapOptions(options));
  }

  override imap<F extends TaskFn>(
    task: TaskRef<F>,
    items: Items<Parameters<F>[0]>,
    options?: RedisMapOptions<Parameters<F>[0]>,
  ): AsyncIterableIterator<Result<F>> {
    if (options?.key !== undefined) return keyedStream<F, Parameters<F>[0]>(this, task, items, options, "imap");
    return super.imap(task, items, this.#mapOptions(options));
  }

  override imapUnordered<F extends TaskFn>(
    task: TaskRef<F>,
    items: Items<Parameters<F>[0]>,
    options?: RedisMapOptions<Parameters<F>[0]>,
  ): AsyncIterableIterator<Result<F>> {
    if (options?.key !== undefined) return keyedStream<F, Parameters<F>[0]>(this, task, items, options, "imapUnordered");
    return super.imapUnordered(task, items, this.#mapOptions(options));
  }

  /** `run`, with an optional `key` (see the pool's `keys` option). */
  override run<F extends TaskFn>(task: TaskRef<F>, args: Parameters<F>, options?: RedisRunOptions): Promise<Result<F>> {
    let own = args;
    try {
      if (options?.key !== undefined) own = keyedArgs(`run task '${task?.name}'`, args, options.key, this.#settings.keys, this.#keyOf);
    } catch (error) {
      return Promise.reject(error);
    }
    return super.run(task, own, this.#withDefaults(options, false));
  }

  #mapOptions(options: MapOptions | undefined): MapOptions | undefined {
    return this.#withDefaults(options, true);
  }

  /** The pool's default `timeout` (and `chunksize` for maps) where a call gives none. */
  #withDefaults<O extends RunOptions | MapOptions>(options: O | undefined, map: boolean): O | undefined {
    const { chunksize, timeout } = this.#settings;
    if (options !== undefined && (options === null || typeof options !== "object")) return options; // the base reports it
    const fill: Partial<MapOptions> = {};
    if (timeout !== undefined && options?.timeout === undefined) fill.timeout = timeout;
    if (map && chunksize !== undefined && (options as MapOptions | undefined)?.chunksize === undefined) fill.chunksize = chunksize;
    return fill.timeout === undefined && fill.chunksize === undefined ? options : ({ ...options, ...fill } as O);
  }
}

function noop(): void {}

/** `Infinity` (no time limit) is the same as no `timeout` at all. */
function noLimit(ms: number | undefined): number | undefined {
  return ms === Number.POSITIVE_INFINITY ? undefined : ms;
}
