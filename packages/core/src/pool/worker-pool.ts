/**
 * What `ThreadPool` and `ProcessPool` share: worker slots, batching of jobs
 * into one message per worker, results matched in order, crash recovery,
 * timeouts, aborts with a grace period, idle shutdown and `maxTasksPerChild`.
 * A subclass only starts a worker and moves messages (see
 * {@link WorkerTransport}).
 *
 * Pipelining. Each worker holds up to `depth` jobs, sent in messages of up to
 * `depth / 2` so the next batch is already waiting when one finishes. `depth`
 * follows the measured time per job: 1 until the first result (and for jobs
 * of 20 ms or more, so long tasks are balanced over workers like Python's
 * pool), up to 2048 for tasks of a few microseconds, where the per-message
 * cost dominates. A job with a timeout or a signal is sent alone to an idle
 * worker, so stopping that worker stops nothing else.
 *
 * When a worker dies, the jobs it held are sorted out: a thread worker's
 * shared slot tells which job it was running (that one fails with
 * `WorkerCrashedError`, or is retried under `retries`), which it had finished
 * without sending the result (those fail: their results are lost), and which
 * it had not started (those go back to the queue). A process worker sends
 * each result as soon as its job ends, so its first unreported job is the one
 * it was running.
 *
 * @internal
 * @module
 */
import type { TransferListItem } from "node:worker_threads";
import { deserializeError, serializeError } from "../internal/errors.js";
import { clearLongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { decodeShared, encodeShared } from "../internal/shareable.js";
import { describe } from "../internal/validate.js";
import { BaseExecutor } from "../executor/base-executor.js";
import type { WorkerStats } from "../executor/executor.js";
import { type Job, KIND_CALL, KIND_MAP, SETTLED } from "../executor/job.js";
import {
  type DoneMessage,
  FLAG_ABORTABLE,
  FLAG_ONE,
  FLAG_TIMED,
  FLAG_TYPED,
  type FromWorker,
  JOB_FIELDS,
  RESULT_FIELDS,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_SKIPPED,
  TYPED_MIN,
} from "./protocol.js";
import { allPlain, toTypedArray } from "../executor/sendable.js";
import { normalizePoolOptions, type WorkerPoolOptions } from "./pool-options.js";
import type { TaskRef } from "../executor/task.js";
import { blame, crashError, Slot, type WorkerEvents, type WorkerTransport } from "./worker-slot.js";

export type { WorkerPoolOptions } from "./pool-options.js";
export type { WorkerEvents, WorkerTransport } from "./worker-slot.js";

/** Base of the local pools. */
export abstract class WorkerPool extends BaseExecutor {
  readonly #workers: number;
  readonly #initializer: [string, string] | null;
  readonly #initargs: unknown[];
  readonly #maxTasks: number;
  readonly #idleTimeout: number;
  readonly #retries: number;
  readonly #abortGrace: number;
  readonly #slots: Slot[] = [];
  readonly #taskIds = new Map<TaskRef, number>();
  readonly #taskKeys = new Map<string, number>();
  #nextTask = 0;
  /** Measured milliseconds per job (EWMA); NaN before the first result. */
  #est = Number.NaN;
  #stopping = false;
  readonly #retire = (slot: Slot): void => this.#retireSlot(slot);
  readonly #graceOver = (slot: Slot): void => this.#kill(slot);

  constructor(label: string, options: WorkerPoolOptions | undefined) {
    const o = normalizePoolOptions(label, options);
    super(label, o);
    this.#workers = o.workers;
    this.#initializer = o.initializer;
    this.#initargs = o.initargs;
    this.#maxTasks = o.maxTasksPerChild;
    this.#idleTimeout = o.idleTimeout;
    this.#retries = o.retries;
    this.#abortGrace = o.abortGrace;
  }

  /** Starts one worker running `worker-entry.js`. */
  protected abstract spawnWorker(events: WorkerEvents): WorkerTransport;
  /** Whether workers share memory with the pool (threads): enables exact crash accounting. */
  protected abstract get sharesMemory(): boolean;
  /** Most jobs a worker may hold at once (1 where crash accounting needs it). */
  protected abstract get maxDepth(): number;

  /** Number of workers the pool runs at most. */
  get workers(): number {
    return this.#workers;
  }

  protected get concurrency(): number {
    return this.#workers;
  }

  #depth(): number {
    const est = this.#est;
    let depth: number;
    if (!(est >= 0)) depth = 1;
    else if (est >= 20) depth = 1;
    else depth = Math.max(2, Math.floor(2 / Math.max(est, 0.001)));
    return Math.min(depth, this.maxDepth);
  }

  // ---- dispatch ------------------------------------------------------------------

  protected dispatch(): void {
    if (this.#stopping || this.queuedJobs === 0) return;
    const slots = this.#slots;
    let live = 0;
    for (const s of slots) if (!s.exiting) live++;
    const want = Math.min(this.#workers, live + this.queuedJobs);
    while (live < want) {
      try {
        this.#spawn();
      } catch (error) {
        // Without a worker nothing can run: fail what waits rather than hang.
        if (live === 0) {
          for (let job = this.takeJob(); job !== undefined; job = this.takeJob()) this.settleJob(job, false, error);
        }
        break;
      }
      live++;
    }
    const depth = this.#depth();
    let eligible = 0;
    for (const s of slots) if (!s.exiting && !s.exclusive && s.inflight.length < depth) eligible++;
    if (eligible === 0) return;
    const share = Math.ceil(this.queuedJobs / eligible);
    for (let k = 0; k < slots.length && this.queuedJobs > 0; k++) {
      const slot = slots[k] as Slot;
      if (slot.exiting || slot.exclusive) continue;
      this.#fill(slot, depth, share);
    }
  }

  #fill(slot: Slot, depth: number, share: number): void {
    let room = Math.min(depth - slot.inflight.length, share);
    if (this.#maxTasks !== Number.POSITIVE_INFINITY) room = Math.min(room, this.#maxTasks - slot.sent);
    if (room <= 0) return;
    const batchCap = Math.max(1, Math.ceil(depth / 2));
    let jobs: unknown[] = [];
    let defs: unknown[] | null = null;
    let transfer: TransferListItem[] | undefined;
    let count = 0;
    let sent = 0;
    const timed = this.trace !== undefined;
    let typed: Int32Array | Float64Array | undefined;
    while (count < room) {
      const head = this.peekJob();
      if (head === undefined) break;
      const abortable = head.abortable;
      if (abortable && (slot.inflight.length > 0 || count > 0)) break;
      const job = this.takeJob() as Job;
      if (slot.idleTimer !== undefined) {
        clearLongTimeout(slot.idleTimer);
        slot.idleTimer = undefined;
      }
      if (abortable) job.holder = slot;
      slot.inflight.push(job);
      slot.sent++;
      const task = this.#taskIndex(job.ref);
      if (slot.known[task] !== true) {
        slot.known[task] = true;
        defs ??= [];
        defs.push(task, job.ref.module, job.ref.name);
      }
      let flags = job.kind;
      if (abortable) flags |= FLAG_ABORTABLE;
      if (timed || job.kind !== KIND_CALL) flags |= FLAG_TIMED;
      const payload = job.payload;
      if (job.kind === KIND_CALL && payload.length === 1) {
        jobs.push(job.id, task, flags | FLAG_ONE, encodeShared(payload[0]));
      } else if (job.kind === KIND_MAP && payload.length >= TYPED_MIN && (typed = toTypedArray(payload)) !== undefined) {
        jobs.push(job.id, task, flags | FLAG_TYPED, typed);
        if (this.sharesMemory) (transfer ??= []).push(typed.buffer as ArrayBuffer);
      } else {
        // A chunk of numbers or strings has nothing to encode: skip the walk.
        jobs.push(job.id, task, flags, allPlain(payload) ? payload : encodeShared(payload));
      }
      if (job.transfer !== undefined && job.transfer.length > 0) (transfer ??= []).push(...job.transfer);
      count++;
      if (abortable) {
        slot.exclusive = true;
        break;
      }
      if (count - sent >= batchCap) {
        this.#send(slot, jobs, defs, transfer, count - sent);
        sent = count;
        jobs = [];
        defs = null;
        transfer = undefined;
      }
    }
    if (count > sent) this.#send(slot, jobs, defs, transfer, count - sent);
  }

  #taskIndex(ref: TaskRef): number {
    let index = this.#taskIds.get(ref);
    if (index !== undefined) return index;
    const key = `${ref.module}#${ref.name}`;
    index = this.#taskKeys.get(key);
    if (index === undefined) {
      index = this.#nextTask++;
      this.#taskKeys.set(key, index);
    }
    this.#taskIds.set(ref, index);
    return index;
  }

  /** Posts the last `n` jobs of `slot.inflight`; on a clone error, one by one so only the bad ones fail. */
  #send(slot: Slot, jobs: unknown[], defs: unknown[] | null, transfer: TransferListItem[] | undefined, n: number): void {
    try {
      slot.transport.post({ t: "run", defs, jobs }, transfer);
      return;
    } catch (error) {
      if (defs !== null) for (let i = 0; i < defs.length; i += 3) slot.known[defs[i] as number] = false;
      const batch: Job[] = [];
      for (let i = 0; i < n; i++) batch.unshift(slot.inflight.pop() as Job);
      for (let i = 0; i < batch.length; i++) {
        const job = batch[i] as Job;
        const at = i * JOB_FIELDS;
        const task = jobs[at + 1] as number;
        const one = [job.id, task, jobs[at + 2], jobs[at + 3]];
        const oneDefs = slot.known[task] === true ? null : [task, job.ref.module, job.ref.name];
        try {
          slot.transport.post({ t: "run", defs: oneDefs, jobs: one }, job.transfer);
          slot.known[task] = true;
          slot.inflight.push(job);
        } catch (oneError) {
          slot.sent--;
          if ((jobs[at + 2] as number) & FLAG_ABORTABLE) slot.exclusive = false;
          const message = (oneError as Error)?.message ?? String(oneError);
          this.settleJob(
            job,
            false,
            new TypeError(`Cannot send task '${job.ref.name}' to a worker as its arguments cannot be cloned: ${message}`, {
              cause: oneError ?? error,
            }),
          );
        }
      }
      if (slot.inflight.length === 0) this.#idle(slot);
    }
  }

  // ---- workers -------------------------------------------------------------------

  #spawn(): void {
    const slot = new Slot();
    const sab = this.sharesMemory ? new SharedArrayBuffer(16) : null;
    if (sab !== null) slot.view = new Float64Array(sab);
    slot.transport = this.spawnWorker({
      message: (message) => this.#receive(slot, message),
      error: (error) => {
        slot.error ??= error;
      },
      exit: (code, signal) => this.#onExit(slot, code, signal),
    });
    slot.id = slot.transport.id;
    this.#slots.push(slot);
    slot.transport.post({
      t: "init",
      initializer: this.#initializer,
      initargs: encodeShared(this.#initargs),
      slot: sab,
    });
  }

  #receive(slot: Slot, message: FromWorker): void {
    switch (message.t) {
      case "done":
        this.#done(slot, message);
        return;
      case "initError":
        this.#initFailed(slot, deserializeError(message.error));
        return;
      case "fatal":
        slot.error ??= deserializeError(message.error);
        return;
      default:
        this.#protocolError(slot, `received a message of unknown type ${describe((message as { t?: unknown }).t)}`);
    }
  }

  #protocolError(slot: Slot, what: string): void {
    slot.error ??= new Error(`Worker ${slot.id} broke the pool protocol: ${what}`);
    this.#kill(slot);
  }

  #done(slot: Slot, message: DoneMessage): void {
    const { r, times } = message;
    const inflight = slot.inflight;
    const timed = this.trace !== undefined;
    let t = 0;
    let ran = 0;
    for (let i = 0; i < r.length; i += RESULT_FIELDS) {
      const job = inflight.shift();
      if (job === undefined || job.id !== r[i]) {
        if (job !== undefined) inflight.unshift(job);
        this.#protocolError(slot, `sent a result for job ${describe(r[i])} it does not hold`);
        return;
      }
      const status = r[i + 1] as number;
      let start = 0;
      let end = 0;
      if (times !== null && (timed || job.kind !== KIND_CALL)) {
        start = times[t++] as number;
        end = times[t++] as number;
      }
      if (status !== STATUS_SKIPPED) {
        ran++;
        slot.tasks += job.count;
      }
      if (slot.graceTimer !== undefined && inflight.length === 0) {
        clearLongTimeout(slot.graceTimer);
        slot.graceTimer = undefined;
      }
      if (job.state === SETTLED) continue;
      if (status === STATUS_OK) {
        const value = r[i + 2];
        const decoded =
          job.kind !== KIND_CALL && (ArrayBuffer.isView(value) || allPlain(value as unknown[]))
            ? value
            : decodeShared(value);
        if (decoded === value) this.settleJob(job, true, value, start, end, slot.id);
        else {
          (decoded as Promise<unknown>).then(
            (v) => this.settleJob(job, true, v, start, end, slot.id),
            (e: unknown) => this.settleJob(job, false, e, start, end, slot.id),
          );
        }
      } else if (status === STATUS_ERROR) {
        this.settleJob(job, false, deserializeError(r[i + 2] as never), start, end, slot.id);
      }
    }
    slot.busyMs += message.busy;
    if (ran > 0) {
      const avg = message.busy / ran;
      this.#est = this.#est >= 0 ? this.#est * 0.7 + avg * 0.3 : avg;
    }
    if (inflight.length === 0) this.#idle(slot);
    this.dispatch();
  }

  #idle(slot: Slot): void {
    slot.exclusive = false;
    if (slot.exiting) return;
    if (slot.sent >= this.#maxTasks) this.#retireSlot(slot);
    else if (this.#idleTimeout !== Number.POSITIVE_INFINITY && slot.idleTimer === undefined) {
      slot.idleTimer = setLongTimeout(this.#retire, this.#idleTimeout, slot);
    }
  }

  #retireSlot(slot: Slot): void {
    if (slot.exiting) return;
    slot.exiting = true;
    this.#clearTimers(slot);
    if (slot.inflight.length > 0) {
      this.#kill(slot);
      return;
    }
    try {
      slot.transport.post({ t: "close" });
    } catch {
      slot.transport.kill();
    }
  }

  #kill(slot: Slot): void {
    slot.exiting = true;
    this.#clearTimers(slot);
    slot.transport.kill();
  }

  #clearTimers(slot: Slot): void {
    if (slot.idleTimer !== undefined) clearLongTimeout(slot.idleTimer);
    if (slot.graceTimer !== undefined) clearLongTimeout(slot.graceTimer);
    slot.idleTimer = slot.graceTimer = undefined;
  }

  #initFailed(slot: Slot, error: Error): void {
    for (const job of slot.inflight.drain()) {
      this.settleJob(
        job,
        false,
        new Error(`Cannot run task '${job.ref.name}' as the worker's initializer failed: ${error.message}`, {
          cause: error,
        }),
      );
    }
    this.#kill(slot);
  }

  #onExit(slot: Slot, code: number | null, signal: string | null): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    this.#clearTimers(slot);
    const jobs = slot.inflight.drain();
    if (jobs.length > 0) this.#lost(slot, jobs, code, signal);
    slot.exited.resolve();
    if (!this.#stopping && this.queuedJobs > 0) this.schedule();
  }

  /** Sorts out the jobs a dead worker held (see the module doc). */
  #lost(slot: Slot, jobs: Job[], code: number | null, signal: string | null): void {
    const { running, finished } = blame(slot, jobs);
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i] as Job;
      if (job.state === SETTLED) continue;
      if (running < 0 || i > running) this.requeueJob(job);
      else if (i < running || finished) this.settleJob(job, false, crashError(slot, job, code, signal, "before sending the result of"));
      else if (job.attempts < this.#retries) {
        job.attempts++;
        this.requeueJob(job);
      } else this.settleJob(job, false, crashError(slot, job, code, signal, "while running"));
    }
  }

  // ---- base hooks ----------------------------------------------------------------

  protected abandon(job: Job, why: "timeout" | "abort"): void {
    const slot = job.holder as Slot | undefined;
    if (slot === undefined || slot.exiting) return;
    if (why === "timeout") {
      this.#kill(slot);
      return;
    }
    try {
      slot.transport.post({ t: "abort", id: job.id, reason: serializeError(job.signal?.reason) });
    } catch {
      this.#kill(slot);
      return;
    }
    if (slot.graceTimer === undefined) slot.graceTimer = setLongTimeout(this.#graceOver, this.#abortGrace, slot);
  }

  protected *runningJobs(): Iterable<Job> {
    for (const slot of this.#slots) yield* slot.inflight;
  }

  protected async shutdown(force: boolean): Promise<void> {
    this.#stopping = true;
    const slots = [...this.#slots];
    for (const slot of slots) {
      if (force || slot.inflight.length > 0) this.#kill(slot);
      else this.#retireSlot(slot);
    }
    await Promise.all(slots.map((slot) => slot.exited.promise));
  }

  protected workerStats(): WorkerStats[] {
    const now = performance.now();
    return this.#slots.map((slot) => {
      const life = now - slot.bornAt;
      return { id: slot.id, tasks: slot.tasks, utilisation: life > 0 ? Math.min(1, slot.busyMs / life) : 0 };
    });
  }
}
