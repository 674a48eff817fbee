/**
 * One BullMQ job of the distributed executor: its data, how a worker runs it,
 * and how its error travels back.
 *
 * A job is a chunk: one task reference and one argument list per item,
 * encoded with the payload contract (`payload.ts`). The worker runs the items
 * one after another and returns their results, encoded the same way. When an
 * item throws, the job fails (so BullMQ's retries and backoff apply to it);
 * the error's name, message, stack, code and own properties ride in the
 * job's `failedReason` after a readable first line, since that is the one
 * field BullMQ hands to the producer with the `failed` event.
 *
 * @module
 */
import { JuggleError, type TaskFn, TimeoutError } from "juggle-core";
import {
  callWithLazySignal,
  clearLongTimeout,
  deserializeError,
  isSerializedError,
  isThenable,
  registerErrorClass,
  resolveTask,
  type SignalSource,
  serializeError,
  setLongTimeout,
} from "juggle-core/executor";
import type { KeyLimitsData } from "./key-limits.js";
import { DEFAULT_MAX_PAYLOAD_BYTES, decode, encode, encodeResults, type ResultRecord } from "./payload.js";

/** The data of one job, as stored in Redis (short keys: it is stored per job). */
export interface JobData {
  /** Task module URL. */
  m: string;
  /** Task export name. */
  n: string;
  /** Encoded argument lists, one per item (`encodeArguments`). */
  p: string;
  /** Milliseconds the job may run, when limited. */
  t?: number;
  /** Largest encoded result, in bytes. */
  x?: number;
  /** The job's key, when the pool limits keys (`key-limits.ts`). */
  k?: string;
  /** The key's limits: `[concurrency, rate limit, rate interval]`. */
  kl?: KeyLimitsData;
}

const MARK = "\n[juggle-error:";

/** Where and when a failed job ran, when known. */
export interface FailureSite {
  /** Worker name. */
  w: string;
  /** Start and end, ms since the Unix epoch. */
  s: number;
  e: number;
}

/** A failure as the producer reads it back. */
export interface Failure {
  error: Error;
  site: FailureSite | undefined;
}

/**
 * The error a worker throws for BullMQ, whose message is the job's
 * `failedReason` (see {@link toFailure}). A class of its own, registered
 * through the executor seam, so that a failure made in a worker thread
 * (`--threads`) is still one when the thread pool hands it back.
 */
export class JobFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JobFailure";
  }
}
registerErrorClass(JobFailure);

/**
 * The error a worker throws for BullMQ: a readable message (what
 * `juggle queues` and BullMQ's tools show), with the serialized error (and
 * where it ran) after it.
 */
export function toFailure(error: unknown, site?: FailureSite): JobFailure {
  const serialized = serializeError(error);
  let encoded: string;
  try {
    encoded = encode({ x: serialized, site });
  } catch {
    encoded = encode({ x: { ...serialized, props: {} }, site });
  }
  const failure = new JobFailure(`${serialized.name}: ${serialized.message}${MARK}${encoded}]`);
  if (serialized.stack !== undefined) failure.stack = serialized.stack;
  return failure;
}

/** Whether `error` is already the output of {@link toFailure}. */
export function isFailure(error: unknown): error is JobFailure {
  return error instanceof JobFailure;
}

/**
 * Rebuilds the task's error from a job's `failedReason`. A reason without the
 * mark (BullMQ's own, such as "job stalled more than allowable limit") becomes
 * a `JuggleError` carrying it, with `code` `ERR_JUGGLE_JOB_FAILED`.
 */
export function fromFailure(failedReason: string | undefined, jobId: string): Failure {
  const reason = failedReason ?? "unknown reason";
  const at = reason.lastIndexOf(MARK);
  if (at >= 0 && reason.endsWith("]")) {
    try {
      const data = decode(reason.slice(at + MARK.length, -1)) as { x?: unknown; site?: FailureSite };
      if (isSerializedError(data?.x)) return { error: deserializeError(data.x), site: data.site };
    } catch {
      // Fall through: report the text as it is.
    }
  }
  return { error: new JuggleError(`Job ${jobId} failed in BullMQ: ${reason}`, "ERR_JUGGLE_JOB_FAILED"), site: undefined };
}

/**
 * The worker's own copy of the module a job names. Only modules the worker was
 * started with may run (a job never makes a worker import arbitrary code). A
 * job's module URL is that of the producer's machine: it matches a worker
 * module with the same URL, else the one worker module with the same file
 * name (the worker's copy of the tasks may live at another path).
 *
 * @throws {JuggleError} When no worker module matches (code `ERR_JUGGLE_UNKNOWN_TASK_MODULE`).
 */
export function matchModule(jobModule: string, modules: readonly string[]): string {
  if (modules.includes(jobModule)) return jobModule;
  const base = fileName(jobModule);
  const same = modules.filter((m) => fileName(m) === base);
  if (same.length === 1 && same[0] !== undefined) return same[0];
  throw new JuggleError(
    `Cannot run task module ${jobModule} as this worker only runs ${modules.join(", ")} (start it with --tasks for that module)`,
    "ERR_JUGGLE_UNKNOWN_TASK_MODULE",
  );
}

function fileName(url: string): string {
  const path = url.split(/[?#]/)[0] ?? url;
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * A job's abort switch, whose `AbortSignal` is made only when a task asks for
 * it (`taskSignal()`): most jobs never do, and an `AbortController` per job
 * costs the worker more than the rest of a tiny job's JavaScript. Aborting
 * before the signal exists is remembered: the signal is born aborted.
 */
export class JobAbort implements SignalSource {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  /** Whether {@link abort} was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The job's signal (made on first use). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the job's signal (now, or when it is made); later calls do nothing. */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** Where a job runs, for {@link runJob}. */
export interface RunContext {
  /** Task modules the worker may run; undefined: any (in-process use only). */
  modules?: readonly string[] | undefined;
  /** Worker name reported with the results. */
  worker?: string;
  /** The job's abort switch: aborted when the caller cancels the job (and by the time limit). */
  controller?: JobAbort;
}

/**
 * What a job returns (encoded by `encodeResults`): its results (`r`, one per
 * item), the worker (`w`), and its start and end (`s`, `e`, ms since the Unix
 * epoch).
 */
export type JobResult = ResultRecord;

/**
 * Runs one job's items in order and returns their encoded results. Rejects
 * with the first item's error, or with `TimeoutError` when the job runs past
 * its time limit (the task's `taskSignal()` aborts then), encoded by
 * {@link toFailure} with the worker and run times.
 */
export async function runJob(data: JobData, context: RunContext = {}): Promise<string> {
  const { modules } = context;
  if (typeof data?.m !== "string" || typeof data.n !== "string" || typeof data.p !== "string") {
    throw new TypeError("Cannot run job as its data is not a juggle job (expected a task reference and a payload)");
  }
  const worker = context.worker ?? "local";
  const startedAt = performance.timeOrigin + performance.now();
  try {
    return await run(data, modules, worker, startedAt, context.controller ?? new JobAbort());
  } catch (error) {
    throw isFailure(error) ? error : toFailure(error, { w: worker, s: startedAt, e: performance.timeOrigin + performance.now() });
  }
}

/** Resolved functions by job module, then name. */
const resolved = new Map<string, Map<string, TaskFn>>();
let resolvedCount = 0;

async function runItems(fn: TaskFn, argLists: unknown[][], abort: JobAbort): Promise<unknown[]> {
  if (argLists.length === 1) return [await callWithLazySignal(fn, argLists[0] as unknown[], abort)];
  const results: unknown[] = [];
  for (const args of argLists) {
    if (abort.aborted) throw abort.signal.reason;
    results.push(await callWithLazySignal(fn, args, abort));
  }
  return results;
}

async function run(
  data: JobData,
  modules: readonly string[] | undefined,
  worker: string,
  startedAt: number,
  controller: JobAbort,
): Promise<string> {
  // Resolved functions are cached by job module and name: most jobs skip the
  // module matching and the asynchronous lookup.
  let fn = resolved.get(data.m)?.get(data.n);
  if (fn === undefined) {
    const module = modules === undefined ? data.m : matchModule(data.m, modules);
    fn = await resolveTask({ module, name: data.n });
    if (resolvedCount < 1000) {
      let byName = resolved.get(data.m);
      if (byName === undefined) resolved.set(data.m, (byName = new Map()));
      byName.set(data.n, fn);
      resolvedCount++;
    }
  }
  const argLists = decode(data.p) as unknown[][];
  const maxBytes = data.x ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (data.t === undefined && argLists.length === 1) {
    // One call without a time limit (an unchunked job): no promise of our
    // own around a task that returns at once.
    let value = callWithLazySignal(fn, argLists[0] as unknown[], controller);
    if (isThenable(value)) value = await value;
    return encodeResults({ r: [value], w: worker, s: startedAt, e: performance.timeOrigin + performance.now() }, maxBytes);
  }
  let timer: ReturnType<typeof setLongTimeout> | undefined;
  const work = runItems(fn, argLists, controller);
  try {
    let results: unknown[];
    if (data.t === undefined) {
      results = await work;
    } else {
      const limit = data.t;
      const expired = new Promise<never>((_, reject) => {
        timer = setLongTimeout(() => {
          const error = new TimeoutError(`Task '${data.n}' timed out after ${limit} ms`);
          controller.abort(error);
          reject(error);
        }, limit);
      });
      // The task may go on after its time is up (it sees its signal abort);
      // its late outcome is ignored.
      work.catch(() => {});
      results = await Promise.race([work, expired]);
    }
    const result: JobResult = { r: results, w: worker, s: startedAt, e: performance.timeOrigin + performance.now() };
    return encodeResults(result, maxBytes);
  } finally {
    if (timer !== undefined) clearLongTimeout(timer);
  }
}
