/**
 * `RedisPool`: the executor interface on BullMQ and Redis. The same
 * `submit`/`map`/`imap`/`imapUnordered` as `ThreadPool` and `ProcessPool`,
 * with the tasks run by `juggle worker` processes on any number of machines.
 *
 * @module
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { CancelledError, ExecutorClosedError } from "../internal/errors.js";
import { checkInteger, checkMilliseconds, checkOptions, checkSignal, describe } from "../internal/validate.js";
import type {
  ApplyOptions,
  AsyncResult,
  Executor,
  ExecutorStats,
  MapOptions,
  RunOptions,
  WorkerStats,
} from "../pool/executor.js";
import { checkTaskRef, type TaskFn, type TaskRef } from "../pool/task.js";
import type { TraceRecorder } from "../trace/recorder.js";
import { Call, makeAsyncResult } from "./call.js";
import { connectionSpec, createClient, DEFAULT_CONNECT_TIMEOUT, probe, type RedisConnection } from "./connection.js";
import type { JobData, JobResult } from "./job.js";
import { DEFAULT_MAX_PAYLOAD_BYTES, decode, encodeArguments } from "./payload.js";
import { DEFAULT_PREFIX, DEFAULT_QUEUE, DEFAULT_RESULT_TTL_SECONDS } from "./settings.js";
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
  /** Default `chunksize` of `map` and friends (see `MapOptions.chunksize`). */
  chunksize?: number | "auto";
  /** Default ms a task (a chunk for `map`) may run before it fails with `TimeoutError`. Default: no limit. */
  timeout?: number;
  /** Extra attempts of a failed task (a chunk for `map`). Default 0. */
  retries?: number;
  /** Delay before a retry: ms (fixed) or `{ type, delay }`. Default `{ type: "exponential", delay: 1000 }`. */
  backoff?: Backoff;
  /** Largest encoded arguments of a job and of its results, in bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Jobs of one `map`/`imap` call queued at once (backpressure). Default 10,000. */
  maxInFlight?: number;
  /** Ms allowed to reach Redis before calls fail with `RedisUnreachableError`. Default 5,000. */
  connectTimeout?: number;
  /** Period of the reconciliation of pending jobs from Redis, in ms. Default 1,000. */
  reconcileInterval?: number;
  /** Seconds an uncollected finished job stays in Redis. Default 3,600. */
  resultTtl?: number;
  /** Records each job's queue, start and end times and worker. */
  trace?: TraceRecorder;
}

interface Settings {
  queue: string;
  prefix: string;
  chunksize: number | "auto" | undefined;
  timeout: number | undefined;
  attempts: number;
  backoff: { type: "fixed" | "exponential"; delay: number };
  maxPayloadBytes: number;
  maxInFlight: number;
  reconcileInterval: number;
  resultTtl: number;
}

interface Connected {
  client: Redis;
  queue: Queue;
  tracker: JobTracker;
}

interface PendingAdd {
  name: string;
  data: JobData;
  opts: Record<string, unknown>;
  settle: (outcome: Outcome) => void;
}

type Result<F extends TaskFn> = Awaited<ReturnType<F>>;
type Items<T> = Iterable<T> | AsyncIterable<T>;

const ACTION = "create RedisPool";
/** Items per chunk when the number of items is unknown and `chunksize` is `"auto"`. */
const AUTO_CHUNK = 32;
/** Largest default chunk. */
const MAX_DEFAULT_CHUNK = 1024;

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

function checkChunksize(action: string, value: unknown): number | "auto" | undefined {
  if (value === undefined || value === "auto") return value;
  return checkInteger(action, "chunksize", value, { min: 1 });
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
 * idempotent.
 *
 * Python: `concurrent.futures.Executor` / `multiprocessing.Pool`, on a
 * Celery-like queue.
 *
 * @example Mapping over remote workers
 * ```ts
 * import { tasks } from "juggle";
 * import { RedisPool } from "juggle/distributed";
 * const t = tasks<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 * // elsewhere: juggle worker --redis redis://127.0.0.1:6379 --tasks ./dist/tasks.js
 * await using pool = new RedisPool({ connection: "redis://127.0.0.1:6379" });
 * const squares = await pool.map(t.square, [1, 2, 3]); // [1, 4, 9]
 * ```
 */
export class RedisPool implements Executor {
  readonly trace: TraceRecorder | undefined;
  readonly #spec;
  readonly #settings: Settings;
  readonly #producer = Math.random().toString(36).slice(2, 10);
  #nextJob = 0;
  #connecting: Promise<Connected> | undefined;
  #connected: Connected | undefined;
  #closed = false;
  #terminated = false;
  readonly #calls = new Set<Call>();
  #addBatch: PendingAdd[] = [];
  #addScheduled = false;
  readonly #counts = { submitted: 0, completed: 0, failed: 0, inFlight: 0 };
  readonly #workers = new Map<string, { tasks: number; busy: number; since: number }>();

  /**
   * @throws {TypeError | RangeError} On a bad option (nothing connects until the first call).
   */
  constructor(options: RedisPoolOptions) {
    const o = checkOptions<RedisPoolOptions>(ACTION, options);
    this.#spec = connectionSpec(ACTION, o.connection, o.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT);
    const name = (key: "queue" | "prefix", fallback: string): string => {
      const v = o[key] ?? fallback;
      if (typeof v !== "string" || v.length === 0 || v.includes(":")) {
        throw new TypeError(`Cannot ${ACTION} as '${key}' must be a non-empty string without ':': received ${describe(v)}`);
      }
      return v;
    };
    this.#settings = {
      queue: name("queue", DEFAULT_QUEUE),
      prefix: name("prefix", DEFAULT_PREFIX),
      chunksize: checkChunksize(ACTION, o.chunksize),
      timeout: o.timeout === undefined ? undefined : checkMilliseconds(ACTION, "timeout", o.timeout, { positive: true }),
      attempts: checkInteger(ACTION, "retries", o.retries ?? 0) + 1,
      backoff: checkBackoff(o.backoff),
      maxPayloadBytes: checkInteger(ACTION, "maxPayloadBytes", o.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, { min: 64 }),
      maxInFlight: checkInteger(ACTION, "maxInFlight", o.maxInFlight ?? 10_000, { min: 1 }),
      reconcileInterval: checkMilliseconds(ACTION, "reconcileInterval", o.reconcileInterval ?? 1000, { min: 10 }),
      resultTtl: checkInteger(ACTION, "resultTtl", o.resultTtl ?? DEFAULT_RESULT_TTL_SECONDS, { min: 1 }),
    };
    this.trace = o.trace;
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
    if (this.#connecting === undefined) {
      this.#connecting = (async () => {
        await probe(this.#spec, "use RedisPool");
        const { queue: name, prefix, reconcileInterval } = this.#settings;
        // Commands wait through a Redis restart instead of failing after a
        // few reconnection attempts: no task is lost to a short outage.
        const client = createClient(this.#spec, { maxRetriesPerRequest: null });
        client.on("error", () => {});
        const queue = new Queue(name, { connection: client, prefix });
        queue.on("error", () => {});
        const tracker = await JobTracker.start(client, this.#spec, prefix, name, reconcileInterval, () => {});
        this.#connected = { client, queue, tracker };
        return this.#connected;
      })();
      this.#connecting.catch(() => {
        this.#connecting = undefined;
      });
    }
    return this.#connecting;
  }

  #checkOpen(action: string): void {
    if (this.#closed) throw new ExecutorClosedError(`Cannot ${action} as the RedisPool is closed`);
  }

  /**
   * Queues one job (a chunk of items) for `call`; resolves to the items'
   * results. Arguments are checked and encoded before anything is queued.
   */
  #dispatch(call: Call, task: TaskRef, argLists: unknown[][], firstIndex: number, timeout: number | undefined): Promise<unknown[]> {
    const p = encodeArguments(call.action, argLists, this.#settings.maxPayloadBytes, firstIndex);
    const id = `${this.#producer}-${++this.#nextJob}`;
    const data: JobData = { m: task.module, n: task.name, p };
    if (timeout !== undefined) data.t = timeout;
    if (this.#settings.maxPayloadBytes !== DEFAULT_MAX_PAYLOAD_BYTES) data.x = this.#settings.maxPayloadBytes;
    const { attempts, backoff, resultTtl } = this.#settings;
    const queuedAt = this.trace?.now() ?? 0;
    this.#counts.submitted += argLists.length;
    this.#counts.inFlight += argLists.length;
    return new Promise<unknown[]>((resolve, reject) => {
      const settle = (outcome: Outcome): void => {
        this.#counts.inFlight -= argLists.length;
        call.jobs.delete(id);
        if (outcome.ok) {
          const result = decode(outcome.value) as JobResult;
          this.#counts.completed += argLists.length;
          this.#account(task.name, id, result, queuedAt, true);
          resolve(result.r);
        } else {
          this.#counts.failed += argLists.length;
          reject(outcome.error);
        }
      };
      call.jobs.add(id);
      this.#addBatch.push({
        name: task.name,
        data,
        opts: {
          jobId: id,
          attempts,
          backoff,
          removeOnComplete: { age: resultTtl },
          removeOnFail: { age: resultTtl },
        },
        settle,
      });
      if (!this.#addScheduled) {
        this.#addScheduled = true;
        setImmediate(() => this.#flushAdds());
      }
    });
  }

  #flushAdds(): void {
    this.#addScheduled = false;
    const batch = this.#addBatch;
    this.#addBatch = [];
    if (batch.length === 0) return;
    const failAll = (error: unknown): void => {
      for (const job of batch) job.settle({ ok: false, error: error as Error });
    };
    this.#connect().then(async ({ queue, tracker }) => {
      for (const job of batch) tracker.expect(job.opts.jobId as string, job.settle);
      const ids = batch.map((j) => j.opts.jobId as string);
      try {
        // Large batches go in slices so Redis serves other clients meanwhile.
        for (let i = 0; i < batch.length; i += 500) {
          const slice = batch.slice(i, i + 500);
          await queue.addBulk(slice.map(({ name, data, opts }) => ({ name, data, opts })));
          tracker.added(ids.slice(i, i + 500));
        }
      } catch (error) {
        await tracker.abandon(ids, (id) => queue.remove(id));
        failAll(error);
      }
    }, failAll);
  }

  #account(name: string, id: string, result: JobResult, queuedAt: number, ok: boolean): void {
    const w = this.#workers.get(result.w) ?? { tasks: 0, busy: 0, since: result.s };
    w.tasks += result.r.length;
    w.busy += result.e - result.s;
    this.#workers.set(result.w, w);
    if (this.trace !== undefined) {
      this.trace.record({
        id: this.trace.nextId(),
        name: `${name} ${id}`,
        worker: result.w,
        queuedAt,
        startedAt: this.trace.fromEpoch(result.s),
        endedAt: this.trace.fromEpoch(result.e),
        ok,
      });
    }
  }

  #newCall(action: string, signal: AbortSignal | undefined): Call {
    this.#checkOpen(action);
    const register = (c: Call): void => {
      this.#calls.add(c);
      c.done.then(() => this.#calls.delete(c), noop);
    };
    return new Call(action, checkSignal(action, signal), register, (c) => this.#abandon(c));
  }

  async #abandon(call: Call): Promise<void> {
    const ids = [...call.jobs];
    call.jobs.clear();
    const connected = this.#connected;
    if (ids.length === 0 || connected === undefined) return;
    await connected.tracker.abandon(ids, (id) => connected.queue.remove(id));
  }

  submit<F extends TaskFn>(task: TaskRef<F>, ...args: Parameters<F>): Promise<Result<F>> {
    return this.run(task, args);
  }

  async run<F extends TaskFn>(task: TaskRef<F>, args: Parameters<F>, options?: RunOptions): Promise<Result<F>> {
    const action = "run task";
    checkTaskRef(action, task);
    if (!Array.isArray(args)) throw new TypeError(`Cannot ${action} as 'args' must be an array: received ${describe(args)}`);
    const o = checkOptions<RunOptions>(action, options);
    const timeout = o.timeout === undefined ? this.#settings.timeout : checkMilliseconds(action, "timeout", o.timeout, { positive: true });
    const call = this.#newCall(action, o.signal);
    const first = (results: unknown[]): Result<F> => results[0] as Result<F>;
    const value: Result<F> = await call.settle(() => call.race(this.#dispatch(call, task, [args], 0, timeout)).then(first));
    return value;
  }

  applyAsync<F extends TaskFn>(task: TaskRef<F>, args: Parameters<F>, options?: ApplyOptions<Result<F>>): AsyncResult<Result<F>> {
    const { callback, errorCallback, ...rest } = checkOptions<ApplyOptions<Result<F>>>("apply task", options);
    return makeAsyncResult(this.run(task, args, rest), callback, errorCallback);
  }

  map<F extends TaskFn>(task: TaskRef<F>, items: Items<Parameters<F>[0]>, options?: MapOptions): Promise<Result<F>[]> {
    return collect(this.#stream(task, items, options, true, false, "map tasks"));
  }

  starmap<F extends TaskFn>(task: TaskRef<F>, items: Items<Parameters<F>>, options?: MapOptions): Promise<Result<F>[]> {
    return collect(this.#stream(task, items, options, true, true, "starmap tasks"));
  }

  imap<F extends TaskFn>(task: TaskRef<F>, items: Items<Parameters<F>[0]>, options?: MapOptions): AsyncIterableIterator<Result<F>> {
    return this.#stream(task, items, options, true, false, "imap tasks");
  }

  imapUnordered<F extends TaskFn>(
    task: TaskRef<F>,
    items: Items<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<Result<F>> {
    return this.#stream(task, items, options, false, false, "imapUnordered tasks");
  }

  #stream<F extends TaskFn>(
    task: TaskRef<F>,
    items: Items<unknown>,
    options: MapOptions | undefined,
    ordered: boolean,
    star: boolean,
    action: string,
  ): AsyncIterableIterator<Result<F>> {
    checkTaskRef(action, task);
    if (items === null || typeof items !== "object" || !(Symbol.iterator in items || Symbol.asyncIterator in items)) {
      throw new TypeError(`Cannot ${action} as 'items' must be an iterable or async iterable: received ${describe(items)}`);
    }
    const o = checkOptions<MapOptions>(action, options);
    const chunksize = checkChunksize(action, o.chunksize) ?? this.#settings.chunksize;
    const timeout = o.timeout === undefined ? this.#settings.timeout : checkMilliseconds(action, "timeout", o.timeout, { positive: true });
    const call = this.#newCall(action, o.signal);
    const length = Array.isArray(items) ? items.length : undefined;
    return call.stream<Result<F>>(items, ordered, this.#settings.maxInFlight, {
      chunksize: async () => {
        if (typeof chunksize === "number") return chunksize;
        if (length === undefined) return AUTO_CHUNK;
        // Python's rule, with the connected workers as the pool's size.
        const { queue } = await this.#connect();
        const workers = Math.max(1, await queue.getWorkersCount().catch(() => 1));
        return Math.min(MAX_DEFAULT_CHUNK, Math.max(1, Math.ceil(length / (workers * 4))));
      },
      dispatch: (chunk, firstIndex) => {
        const argLists = chunk.map((item, i) => {
          if (!star) return [item];
          if (!Array.isArray(item)) {
            throw new TypeError(`Cannot ${action} as item ${firstIndex + i} must be an argument array: received ${describe(item)}`);
          }
          return item;
        });
        return this.#dispatch(call, task, argLists, firstIndex, timeout);
      },
    });
  }

  stats(): ExecutorStats {
    const now = performance.timeOrigin + performance.now();
    const workers: WorkerStats[] = [...this.#workers].map(([id, w]) => ({
      id,
      tasks: w.tasks,
      utilisation: Math.min(1, w.busy / Math.max(1, now - w.since)),
    }));
    const { submitted, completed, failed, inFlight } = this.#counts;
    return { submitted, completed, failed, queued: inFlight, running: 0, workers };
  }

  close(): void {
    this.#closed = true;
  }

  /** Waits for every call to settle, then closes the Redis connections. */
  async join(): Promise<void> {
    this.#closed = true;
    while (this.#calls.size > 0) {
      await Promise.allSettled([...this.#calls].map((c) => c.done));
    }
    await this.#disconnect();
  }

  /** Rejects every pending call with `CancelledError`, removes their queued jobs, and disconnects. */
  async terminate(): Promise<void> {
    this.#closed = true;
    if (!this.#terminated) {
      this.#terminated = true;
      const error = new CancelledError("Cannot finish task as the RedisPool was terminated");
      await Promise.allSettled([...this.#calls].map((c) => c.cancel(error)));
    }
    await this.#disconnect();
  }

  async #disconnect(): Promise<void> {
    const connecting = this.#connecting;
    if (connecting === undefined) return;
    const connected = await connecting.catch(() => undefined);
    if (connected === undefined) return;
    this.#connecting = Promise.reject(new ExecutorClosedError("Cannot use RedisPool as it is closed"));
    this.#connecting.catch(() => {});
    this.#connected = undefined;
    await connected.tracker.close();
    await connected.queue.close();
    await connected.client.quit().catch(() => connected.client.disconnect());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.join();
  }
}

function noop(): void {}

async function collect<T>(iterator: AsyncIterableIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterator) out.push(value);
  return out;
}
