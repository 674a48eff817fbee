/**
 * The worker side of `ThreadPool` and `ProcessPool`: one message dispatcher
 * over the union of {@link ToWorker} messages (an unknown message throws,
 * which crashes the worker loudly), a local queue of jobs, and a loop that
 * runs them one at a time in order.
 *
 * Synchronous tasks run back to back with no promise or microtask per task;
 * results pile up in one array that is posted when the queue runs dry, before
 * waiting on an async task, or every few milliseconds of a long run. The pool
 * relies on the order: results come back in the order jobs were sent. A
 * thread worker's lone job travels as one string and its lone result as the
 * bare value when that is a primitive (see `solo-wire.ts`: what a round trip costs).
 *
 * A thread worker also writes the id of the job it starts, and whether it
 * finished it, into a shared slot, so that when it dies the pool knows which
 * job it was running, which ones it had finished, and which it never started.
 *
 * @internal
 * @module
 */
import { parentPort } from "node:worker_threads";
import { deserializeError, serializeError } from "../internal/errors.js";
import { Deque } from "../internal/deque.js";
import { decodeShared, encodeShared } from "../internal/shareable.js";
import { describe } from "../internal/validate.js";
import { dieWithParent } from "./orphan-watchdog.js";
import { takeBackCells } from "./process-take-back.js";
import { isBare, readSoloRun } from "./solo-wire.js";
import {
  FLAG_ABORTABLE,
  FLAG_ONE,
  FLAG_TIMED,
  FLAG_TYPED,
  type FromWorker,
  type InitMessage,
  JOB_FIELDS,
  KIND_MASK,
  RESULT_FIELDS,
  type RunMessage,
  SEQ_MASK,
  SLOT_BUSY,
  SLOT_CLAIM,
  SLOT_FINISHED,
  SLOT_FLOATS,
  SLOT_JOB,
  SLOT_REVOKED,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_SKIPPED,
  type ToWorker,
  TYPED_MIN,
} from "./protocol.js";
import { KIND_CALL } from "../executor/job.js";
import { runPayload } from "../executor/run-payload.js";
import { isThenable } from "../internal/thenable.js";
import { allPlain, toTypedArray } from "../executor/sendable.js";
import { callOneWithSignal, resolveTask, type TaskFn, type TaskRef } from "../executor/task.js";

/** Post results at least this often during a long run of synchronous jobs. */
const FLUSH_MS = 2;
/**
 * A worker process shares no memory with the pool, so it cannot say which job
 * it is running: it posts each result as soon as the job ends, and when it
 * dies the pool knows that its first unreported job is the one that was
 * running and that the ones after it never started.
 */
const flushEach = parentPort === null;

const post: (message: FromWorker | string, transfer?: ArrayBuffer[]) => void =
  parentPort !== null
    ? (message, transfer) => parentPort?.postMessage(message, transfer)
    : (message) => {
        (process.send as (m: unknown) => boolean)(message);
      };
/** Buffers of Float64Array results to move with the next flush (threads only). */
let transfer: ArrayBuffer[] | undefined;

/**
 * Aborted when the pool asks this worker to stop (`terminateWorkers()`): the
 * signal of every task that has none of its own (no `signal`, no `timeout`),
 * one for the worker rather than one per task, which the hot path cannot
 * afford. A task with its own signal sees that one abort too (see `stop`).
 */
const stopping = new AbortController();
/** `stopping.signal`, read once: a getter call per job would cost the tiny-task path. */
const stoppingSignal = stopping.signal;
/** Set by `stop`: the jobs not started yet are skipped. */
let stopped = false;
const refs: TaskRef[] = [];
const fns: (TaskFn | undefined)[] = [];
const batches = new Deque<RunMessage>();
let batch: unknown[] | undefined;
let batchSeq = 0;
let pos = 0;
/** The claim cells (see SLOT_CLAIM: a thread's shared slot, a process's own cells), and this worker's last claim. */
let claims: Int32Array | undefined;
let claimed = 0;
/** Skipping the jobs the pool took back, up to the one with this sequence number. */
let skipThrough = -1;
const controllers = new Map<number, AbortController>();
const abortedEarly = new Set<number>();
let slot: Float64Array | undefined;
let out: unknown[] = [];
let times: number[] | null = null;
let busyMs = 0;
/** A thread's busy milliseconds in all, as written to its slot (see SLOT_BUSY). */
let busyTotal = 0;
let busy = false;
let initializing: Promise<void> | undefined;

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Process workers: the pool was told a job started and not yet that none runs. */
let announced = false;

function flush(next?: number): void {
  if (out.length === 0 && next === undefined) return;
  if (next !== undefined) announced = next !== 0;
  const r = out;
  if (slot !== undefined) {
    slot[SLOT_BUSY] = busyTotal += busyMs;
    if (r.length === RESULT_FIELDS && r[1] === STATUS_OK && times === null && isBare(r[2])) {
      out = []; // not out.length = 0: a runtime call, slower than a new array
      busyMs = 0;
      parentPort?.postMessage(r[2]);
      return;
    }
  }
  const message: FromWorker = { t: "done", r, times, busy: busyMs };
  if (next !== undefined) message.next = next;
  const moving = transfer;
  out = [];
  times = null;
  busyMs = 0;
  transfer = undefined;
  try {
    post(message, moving);
  } catch (error) {
    // A result could not be cloned: replace the ones that cannot be, and send again.
    for (let i = 0; i < r.length; i += RESULT_FIELDS) {
      try {
        structuredClone(r[i + 2]);
      } catch (itemError) {
        r[i + 1] = STATUS_ERROR;
        r[i + 2] = serializeError(
          new TypeError(
            `Cannot send the task's result back from the worker as it cannot be cloned: ${(itemError as Error)?.message ?? (error as Error)?.message}`,
          ),
        );
      }
    }
    post(message);
  }
}

/** Moves to the next job's fields, or returns false when the queue is empty. */
function nextJob(): boolean {
  while (batch === undefined || pos >= batch.length) {
    const message = batches.shift();
    pos = 0;
    if (message === undefined) {
      batch = undefined;
      return false;
    }
    batch = message.jobs;
    batchSeq = message.seq;
  }
  return true;
}

/**
 * Whether this worker may start the job with sequence number `seq`, or the
 * pool took it back for another worker (see `takeBackUnstarted`, and
 * `process-take-back.ts` for processes):
 * one compare-and-swap from the last claim, which fails once the pool
 * revoked the claims; the jobs it took are then skipped, unreported.
 */
function claim(seq: number): boolean {
  const cells = claims as Int32Array;
  if (skipThrough >= 0) {
    if (seq === skipThrough) skipThrough = -1;
    return false;
  }
  if (Atomics.compareExchange(cells, SLOT_CLAIM, claimed, seq) === claimed) {
    claimed = seq;
    return true;
  }
  // CLAIM_REVOKED: the pool took back every job after `claimed`, up to SLOT_REVOKED.
  const last = Atomics.load(cells, SLOT_REVOKED);
  Atomics.store(cells, SLOT_CLAIM, claimed);
  if (seq !== last) skipThrough = last;
  return false;
}

function pump(): void {
  if (busy) return;
  if (initializing !== undefined) {
    busy = true;
    initializing.then(() => {
      initializing = undefined;
      busy = false;
      pump();
    }, failInit);
    return;
  }
  let runStart = performance.now();
  while (nextJob()) {
    const jobs = batch as unknown[];
    const id = jobs[pos] as number;
    const task = jobs[pos + 1] as number;
    const flags = jobs[pos + 2] as number;
    const payload = jobs[pos + 3];
    jobs[pos + 3] = undefined;
    const seq = (batchSeq + pos / JOB_FIELDS) & SEQ_MASK;
    pos += JOB_FIELDS;
    if (claims !== undefined && !claim(seq)) continue;
    // A process tells the pool which job it starts, with the results so far.
    if (flushEach) {
      busyMs += performance.now() - runStart;
      runStart = performance.now();
      flush(id);
    }
    if (stopped || (abortedEarly.size > 0 && abortedEarly.delete(id))) {
      out.push(id, STATUS_SKIPPED, undefined);
      if ((flags & FLAG_TIMED) !== 0) (times ??= []).push(0, 0);
      continue;
    }
    let signal = stoppingSignal;
    if ((flags & FLAG_ABORTABLE) !== 0) {
      const controller = new AbortController();
      controllers.set(id, controller);
      signal = controller.signal;
    }
    const start = (flags & FLAG_TIMED) !== 0 ? epochNow() : 0;
    if (slot !== undefined) {
      slot[SLOT_JOB] = id;
      slot[SLOT_FINISHED] = 0;
    }
    const fn = fns[task];
    const decoded =
      (flags & (FLAG_ONE | FLAG_TYPED)) === FLAG_TYPED || ((flags & FLAG_ONE) === 0 && allPlain(payload as unknown[]))
        ? payload
        : decodeShared(payload);
    if (fn === undefined || !Object.is(decoded, payload)) {
      busyMs += performance.now() - runStart;
      runAsync(id, task, flags, decoded, signal, start, fn);
      return;
    }
    let status = STATUS_OK;
    let value: unknown;
    try {
      value =
        (flags & FLAG_ONE) !== 0
          ? callOneWithSignal(fn, payload, signal)
          : runPayload(fn, flags & KIND_MASK, payload as unknown[], signal);
      if (isThenable(value)) {
        busyMs += performance.now() - runStart;
        runAsync(id, task, flags, payload, signal, start, fn, value);
        return;
      }
      if ((flags & KIND_MASK) === KIND_CALL) value = encodeShared(value);
      else value = packChunk(value as unknown[]);
    } catch (error) {
      status = STATUS_ERROR;
      value = serializeError(error);
    }
    finish(id, flags, status, value, start);
    const now = performance.now();
    if (now - runStart > FLUSH_MS) {
      busyMs += now - runStart;
      runStart = now;
      flush();
    }
  }
  busyMs += performance.now() - runStart;
  // A process that said it started a job says it has none running now.
  flush(announced ? 0 : undefined);
}

/** A chunk's results: a Float64Array when they are all numbers, else encoded for shared objects. */
function packChunk(results: unknown[]): unknown {
  if (results.length >= TYPED_MIN) {
    const numbers = toTypedArray(results);
    if (numbers !== undefined) {
      if (parentPort !== null) (transfer ??= []).push(numbers.buffer as ArrayBuffer);
      return numbers;
    }
  }
  return allPlain(results) ? results : encodeShared(results);
}

function finish(id: number, flags: number, status: number, value: unknown, start: number): void {
  if (slot !== undefined) slot[SLOT_FINISHED] = 1;
  if ((flags & FLAG_ABORTABLE) !== 0) controllers.delete(id);
  out.push(id, status, value);
  if ((flags & FLAG_TIMED) !== 0) (times ??= []).push(start, epochNow());
}

/** The slow path: load the task, decode shared objects, await a promise. */
function runAsync(
  id: number,
  task: number,
  flags: number,
  payload: unknown,
  signal: AbortSignal,
  start: number,
  fn: TaskFn | undefined,
  pending?: PromiseLike<unknown>,
): void {
  busy = true;
  flush();
  const began = performance.now();
  const work = async (): Promise<unknown> => {
    if (pending !== undefined) return await pending;
    const resolved = fn ?? (fns[task] = await resolveTask(refs[task] as TaskRef));
    const args = await payload;
    const value =
      (flags & FLAG_ONE) !== 0
        ? callOneWithSignal(resolved, args, signal)
        : runPayload(resolved, flags & KIND_MASK, args as unknown[], signal);
    return isThenable(value) ? await value : value;
  };
  const done = (status: number, value: unknown): void => {
    busyMs += performance.now() - began;
    finish(id, flags, status, value, start);
    busy = false;
    pump();
  };
  work().then(
    (value) => done(STATUS_OK, (flags & KIND_MASK) === KIND_CALL ? encodeShared(value) : packChunk(value as unknown[])),
    (error: unknown) => done(STATUS_ERROR, serializeError(error)),
  );
}

function init(message: InitMessage): void {
  if (message.slot !== null) {
    slot = new Float64Array(message.slot, 0, SLOT_FLOATS);
    claims = new Int32Array(message.slot);
  }
  const initializer = message.initializer;
  if (initializer === null) return;
  initializing = (async () => {
    const fn = await resolveTask({ module: initializer[0], name: initializer[1] });
    const args = (await decodeShared(message.initargs)) as unknown[];
    await fn(...args);
  })();
  // Handled in pump(); never an unhandled rejection in the meantime.
  initializing.catch(() => {});
}

function failInit(error: unknown): void {
  post({ t: "initError", error: serializeError(error) });
}

function run(message: RunMessage): void {
  const defs = message.defs;
  if (defs !== null) {
    for (let i = 0; i < defs.length; i += 3) {
      refs[defs[i] as number] = { module: defs[i + 1] as string, name: defs[i + 2] as string };
    }
  }
  batches.push(message);
  pump();
}

function abort(id: number, reason: unknown): void {
  const controller = controllers.get(id);
  if (controller !== undefined) {
    controllers.delete(id);
    controller.abort(reason);
  } else {
    // Not started yet (or already finished: the pool ignores a late skip).
    abortedEarly.add(id);
  }
}

/** The pool stops this worker: every task's signal aborts with `reason`, jobs not started are skipped. */
function stop(reason: unknown): void {
  stopped = true;
  for (const controller of controllers.values()) controller.abort(reason);
  controllers.clear();
  stopping.abort(reason);
}

function dispatch(message: ToWorker | string): void {
  if (typeof message === "string") return run(readSoloRun(message));
  switch (message.t) {
    case "run":
      run(message);
      return;
    case "abort":
      abort(message.id, deserializeError(message.reason));
      return;
    case "stop":
      stop(deserializeError(message.reason));
      return;
    case "init":
      init(message);
      return;
    case "close":
      process.exit(0);
      return;
    default:
      throw new Error(
        `Cannot handle message in pool worker as its type is unknown: received ${describe((message as { t?: unknown }).t)}`,
      );
  }
}

if (parentPort !== null) {
  parentPort.on("message", dispatch);
  // A task that ends the thread (process.exit, an uncaught error) must not
  // take the results of the jobs finished before it down with it.
  process.on("exit", () => flush());
  process.on("uncaughtExceptionMonitor", () => flush());
}
else if (typeof process.send === "function") {
  // Its watchdog thread takes back unstarted jobs by revoking claims, as the pool does a thread's.
  const cells = takeBackCells();
  if (cells !== undefined) claims = new Int32Array(cells);
  process.on("message", dieWithParent(dispatch, cells) as (m: unknown) => void);
  // Pool workers are daemonic, as in Python: one whose parent is gone (even
  // killed with SIGKILL, when no exit handler of the parent runs) stops
  // rather than run its task on as an orphan whose result nobody can read.
  // A task that never yields is stopped by the watchdog thread instead.
  process.on("disconnect", () => process.exit(1));
  // A thread's uncaught error reaches the pool through the Worker's `error`
  // event; a process has no such channel, so it sends the error, then exits.
  process.on("uncaughtException", (error) => {
    process.exitCode = 1;
    try {
      (process.send as (m: unknown, cb: () => void) => boolean)(
        { t: "fatal", error: serializeError(error) } satisfies FromWorker,
        () => process.exit(1),
      );
    } catch {
      process.exit(1);
    }
  });
} else throw new Error("Cannot start pool worker as it has no parent: run it through ThreadPool or ProcessPool");
