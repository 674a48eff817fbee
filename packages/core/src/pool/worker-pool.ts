/**
 * What `ThreadPool` and `ProcessPool` share: worker slots, batching of jobs
 * into one message per worker, results matched in order, crash recovery,
 * timeouts, aborts with a grace period, idle shutdown and `maxTasksPerChild`.
 * A subclass only starts a worker and moves messages (see
 * {@link WorkerTransport}).
 *
 * Pipelining. Each worker holds up to `depth` jobs (see `pipelineDepth`),
 * sent in messages of up to `depth / 2` so the next batch is already waiting
 * when one finishes. A job with a timeout or a signal is sent alone to an idle
 * worker, so stopping that worker stops nothing else. Jobs are dealt to the
 * workers in turn, and an idle worker takes back the jobs another has not
 * started (see `stealUnstarted`), so no job waits behind a long one while a
 * worker is idle. Each job gets its own copy of its arguments (see `outbox.ts`).
 *
 * When a worker dies, the jobs it held are sorted out: a thread worker's
 * shared slot tells which job it was running (that one fails with
 * `WorkerCrashedError`, or is retried under `retries`) and which it had not
 * started (those go back to the queue, uncharged); it posts the results it
 * had finished as it exits. A process worker says which job it starts
 * (`DoneMessage.next`) and sends each result as soon as its job ends; a
 * process killed while booting or idle ran nothing, and its jobs go back to
 * the queue uncharged.
 *
 * @internal
 * @module
 */
import { deserializeError, serializeError } from "../internal/errors.js";
import { clearLongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { decodeShared, encodeShared } from "../internal/shareable.js";
import { describe } from "../internal/validate.js";
import { BaseExecutor } from "../executor/base-executor.js";
import type { WorkerStats } from "../executor/executor.js";
import { type Job, KIND_CALL, SETTLED } from "../executor/job.js";
import {
  type DoneMessage,
  FLAG_ABORTABLE,
  FLAG_TIMED,
  type Bare,
  type FromWorker,
  JOB_FIELDS,
  RESULT_FIELDS,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_SKIPPED,
} from "./protocol.js";
import { allPlain } from "../executor/sendable.js";
import { normalizePoolOptions, type WorkerPoolOptions } from "./pool-options.js";
import { Outbox, pipelineDepth } from "./outbox.js";
import { terminateWorker } from "./stop-workers.js";
import { TaskTable } from "./task-table.js";
import { bareDone } from "./solo-wire.js";
import {
  blame,
  cloneError,
  crashError,
  nextSeq,
  Slot,
  stealUnstarted,
  takenBack,
  type WorkerEvents,
  type WorkerTransport,
} from "./worker-slot.js";

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
  readonly #tasks = new TaskTable();
  /** Measured milliseconds per job (EWMA); NaN before the first result. */
  #est = Number.NaN;
  #stopping = false;
  #gentle = false; // terminateWorkers() was called: shutdown() stops the workers gently
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

  // ---- dispatch ------------------------------------------------------------------

  protected dispatch(): void {
    if (this.#stopping) return;
    if (this.queuedJobs > 0) this.#startWorkers();
    if (this.queuedJobs > 0) this.#deal();
    if (this.queuedJobs === 0) this.#requeue(stealUnstarted(this.#slots));
  }

  /** Puts jobs taken back from a worker at the front of the queue, in order, to be dealt again. */
  #requeue(taken: Job[]): void {
    for (let i = taken.length - 1; i >= 0; i--) this.requeueJob(taken[i] as Job);
  }

  #startWorkers(): void {
    let live = 0;
    for (const s of this.#slots) if (!s.exiting) live++;
    const want = Math.min(this.#workers, live + this.queuedJobs);
    while (live < want) {
      try {
        this.#spawn();
      } catch (error) {
        // Without a worker nothing can run: fail what waits rather than hang.
        if (live === 0) {
          for (let job = this.takeJob(); job !== undefined; job = this.takeJob()) this.settleJob(job, false, error);
        }
        return;
      }
      live++;
    }
  }

  /**
   * Deals queued jobs to the workers one at a time in turn, not in runs: a
   * run of consecutive jobs on one worker would put every short job behind a
   * long one submitted just before them, while dealt jobs alternate, and an
   * idle worker takes back what waits behind a long job (see #steal).
   */
  #deal(): void {
    const depth = pipelineDepth(this.#est, this.maxDepth);
    const batchCap = Math.max(1, Math.ceil(depth / 2));
    const boxes: Outbox[] = [];
    for (const slot of this.#slots) {
      if (slot.exiting || slot.exclusive || slot.robbed || slot.taking) continue;
      let room = depth - slot.inflight.length;
      if (this.#maxTasks !== Number.POSITIVE_INFINITY) room = Math.min(room, this.#maxTasks - slot.sent);
      if (room > 0) boxes.push(new Outbox(slot, room));
    }
    const timed = this.trace !== undefined;
    let k = 0;
    while (boxes.length > 0) {
      const head = this.peekJob();
      if (head === undefined) break;
      if (k >= boxes.length) k = 0;
      const abortable = head.abortable;
      if (abortable) {
        // Sent alone to an idle worker, so that stopping it stops nothing else.
        let i = 0;
        while (i < boxes.length && ((boxes[i] as Outbox).slot.inflight.length > 0 || (boxes[i] as Outbox).count > 0)) i++;
        if (i === boxes.length) break;
        k = i;
      }
      const box = boxes[k] as Outbox;
      const slot = box.slot;
      const job = this.takeJob() as Job;
      if (job.transfer !== undefined && box.count > 0) this.#send(box);
      if (slot.idleTimer !== undefined) {
        clearLongTimeout(slot.idleTimer);
        slot.idleTimer = undefined;
      }
      const task = this.#tasks.index(job.ref);
      let flags = job.kind;
      if (abortable) flags |= FLAG_ABORTABLE;
      if (timed || job.kind !== KIND_CALL) flags |= FLAG_TIMED;
      try {
        box.add(job, task, flags, this.sharesMemory);
      } catch (error) {
        this.settleJob(job, false, cloneError(job, error));
        continue;
      }
      if (slot.known[task] !== true) {
        slot.known[task] = true;
        (box.defs ??= []).push(task, job.ref.module, job.ref.name);
      }
      if (abortable) job.holder = slot;
      if (box.count === 1) box.seq = slot.nextSeq;
      slot.inflight.push(job);
      slot.seqs.push(slot.nextSeq);
      slot.nextSeq = nextSeq(slot.nextSeq);
      slot.sent++;
      box.room--;
      if (abortable) slot.exclusive = true;
      if (box.count >= batchCap || abortable || box.room === 0) this.#send(box);
      if (abortable || box.room === 0) boxes.splice(k, 1);
      else k++;
    }
    for (const box of boxes) if (box.count > 0) this.#send(box);
  }

  /** Posts `box`'s message; on a clone error, its jobs one by one so only the bad ones fail. */
  #send(box: Outbox): void {
    const slot = box.slot;
    const { jobs, defs, transfer, count, seq } = box;
    box.reset();
    try {
      slot.transport.post({ t: "run", defs, jobs, seq }, transfer);
      return;
    } catch (error) {
      if (defs !== null) for (let i = 0; i < defs.length; i += 3) slot.known[defs[i] as number] = false;
      const batch: Job[] = [];
      const seqs: number[] = [];
      for (let i = 0; i < count; i++) {
        batch.unshift(slot.inflight.pop() as Job);
        seqs.unshift(slot.seqs.pop() as number);
      }
      for (let i = 0; i < batch.length; i++) {
        const job = batch[i] as Job;
        const at = i * JOB_FIELDS;
        const task = jobs[at + 1] as number;
        const one = [job.id, task, jobs[at + 2], jobs[at + 3]];
        const oneDefs = slot.known[task] === true ? null : [task, job.ref.module, job.ref.name];
        try {
          slot.transport.post({ t: "run", defs: oneDefs, jobs: one, seq: seqs[i] as number }, job.transfer);
          slot.known[task] = true;
          slot.inflight.push(job);
          slot.seqs.push(seqs[i] as number);
        } catch (oneError) {
          slot.sent--;
          if ((jobs[at + 2] as number) & FLAG_ABORTABLE) slot.exclusive = false;
          this.settleJob(job, false, cloneError(job, oneError ?? error));
        }
      }
      if (slot.inflight.length === 0) this.#idle(slot);
    }
  }

  // ---- workers -------------------------------------------------------------------

  #spawn(): void {
    const slot = new Slot();
    const sab = this.sharesMemory ? slot.share() : null;
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

  #receive(slot: Slot, message: FromWorker | Bare): void {
    // A thread's lone primitive result comes bare (see solo-wire.ts).
    if (typeof message !== "object" || message === null) return this.#done(slot, bareDone(slot.inflight.peekFront(), message));
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
      case "takenBack":
        this.#requeue(takenBack(slot, message.claimed));
        if (slot.inflight.length === 0) this.#idle(slot);
        this.dispatch(); // deal to it again, or take from another worker
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
      slot.seqs.shift();
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
        if (Object.is(decoded, value)) this.settleJob(job, true, value, start, end, slot.id);
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
    const busy = slot.busySince(message.busy);
    slot.busyMs += busy;
    if (message.next !== undefined) slot.startedId = message.next;
    if (r.length > 0 || inflight.length === 0) slot.robbed = false;
    if (ran > 0) {
      const avg = busy / ran;
      this.#est = this.#est >= 0 ? this.#est * 0.7 + avg * 0.3 : avg;
    }
    if (inflight.length === 0) this.#idle(slot);
    this.dispatch();
  }

  #idle(slot: Slot): void {
    slot.exclusive = false;
    if (slot.exiting) return slot.whenIdle?.();
    if (slot.sent >= this.#maxTasks) this.#retireSlot(slot);
    else if (this.#idleTimeout !== Number.POSITIVE_INFINITY && slot.idleTimer === undefined) {
      slot.idleTimer = setLongTimeout(this.#retire, this.#idleTimeout, slot);
    }
  }

  #retireSlot(slot: Slot): void {
    if (slot.exiting) return;
    slot.exiting = true;
    slot.clearTimers();
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
    slot.clearTimers();
    slot.transport.kill();
  }

  #initFailed(slot: Slot, error: Error): void {
    slot.seqs.drain();
    for (const job of slot.inflight.drain()) {
      const why = `Cannot run task '${job.ref.name}' as the worker's initializer failed: ${error.message}`;
      this.settleJob(job, false, new Error(why, { cause: error }));
    }
    this.#kill(slot);
  }

  #onExit(slot: Slot, code: number | null, signal: string | null): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    slot.clearTimers();
    const jobs = slot.inflight.drain();
    slot.seqs.drain();
    if (jobs.length > 0) this.#lost(slot, jobs, code, signal);
    slot.exited.resolve();
    if (!this.#stopping && this.queuedJobs > 0) this.schedule();
  }

  /** Sorts out the jobs a dead worker held (see the module doc). */
  #lost(slot: Slot, jobs: Job[], code: number | null, signal: string | null): void {
    const { running, finished } = blame(slot, jobs, signal);
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

  /**
   * Rejects queued and running tasks with `CancelledError`, as `terminate()`,
   * but stops the workers gently: each running task's `taskSignal()` aborts
   * (whether or not the task was given a `signal`), and its worker gets
   * `abortGrace` ms to end it before it is terminated (SIGTERM for a process,
   * `worker.terminate()` for a thread); an idle worker is terminated at once. The pool is closed for good; resolves when every
   * worker has exited.
   *
   * Python: `ProcessPoolExecutor.terminate_workers` (3.14), whose pending
   * futures fail with `BrokenProcessPool`; here they are cancelled.
   *
   * @example Stopping a pool whose tasks watch their signal
   * ```ts
   * const running = pool.submit(t.crawl, urls);
   * await pool.terminateWorkers(); // crawl's taskSignal() aborted; running rejects with CancelledError
   * ```
   */
  terminateWorkers(): Promise<void> {
    this.#gentle = true;
    return this.cancelAll(`the ${this.label}'s workers were terminated`);
  }

  /**
   * `terminate()` under Python 3.14's name: rejects queued and running tasks
   * with `CancelledError` and kills the workers at once (SIGKILL for a
   * process, `worker.terminate()` for a thread), with no abort grace.
   *
   * Python: `ProcessPoolExecutor.kill_workers` (3.14).
   *
   * @example Stopping a pool at once
   * ```ts
   * await pool.killWorkers(); // every pending task rejects with CancelledError
   * ```
   */
  killWorkers(): Promise<void> {
    return this.cancelAll(`the ${this.label}'s workers were killed`);
  }

  protected async shutdown(force: boolean): Promise<void> {
    this.#stopping = true;
    const slots = [...this.#slots];
    for (const slot of slots) {
      if (this.#gentle) terminateWorker(slot, this.#abortGrace, `the ${this.label}'s workers were terminated`);
      else if (force || slot.inflight.length > 0) this.#kill(slot);
      else this.#retireSlot(slot);
    }
    await Promise.all(slots.map((slot) => slot.exited.promise));
  }

  protected workerStats(): WorkerStats[] {
    const now = performance.now();
    return this.#slots.map((slot) => slot.stats(now));
  }
}
