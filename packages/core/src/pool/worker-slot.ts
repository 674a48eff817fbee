/**
 * One worker as a pool sees it: its transport, the jobs it holds in the order
 * they were sent, its counters and timers, and the rules that sort out its
 * jobs when it dies.
 *
 * @internal
 * @module
 */
import type { TransferListItem } from "node:worker_threads";
import { WorkerCrashedError } from "../internal/errors.js";
import { Deque } from "../internal/deque.js";
import { deferred } from "../internal/deferred.js";
import { clearLongTimeout, type LongTimeout } from "../internal/long-timer.js";
import type { WorkerStats } from "../executor/executor.js";
import { type Job, KIND_CALL } from "../executor/job.js";
import {
  CLAIM_REVOKED,
  type Bare,
  type FromWorker,
  SEQ_MASK,
  SLOT_BUSY,
  SLOT_BYTES,
  SLOT_CLAIM,
  SLOT_FINISHED,
  SLOT_FLOATS,
  SLOT_JOB,
  SLOT_REVOKED,
  type ToWorker,
} from "./protocol.js";

/** A started worker, as the pool sees it. */
export interface WorkerTransport {
  /** Stable id for stats and traces, e.g. `"thread-3"` or `"process-4242"`. */
  readonly id: string;
  /** Sends a message; throws synchronously when it cannot be cloned. */
  post(message: ToWorker, transfer?: readonly TransferListItem[]): void;
  /**
   * Worker processes: asks the worker to take back the jobs it has not
   * started, through sequence number `last`; a `takenBack` message answers
   * (see `process-take-back.ts`). False: it cannot be asked (its channel
   * closed). Thread workers are robbed through shared memory.
   */
  readonly takeBack?: ((last: number) => boolean) | undefined;
  /** Stops the worker at once (SIGKILL for a process); `exit` follows. */
  kill(): void;
  /** Asks the worker to stop (SIGTERM for a process, as `kill` for a thread); `exit` follows. */
  terminate(): void;
}

/** What a transport reports. */
export interface WorkerEvents {
  message(message: FromWorker | Bare): void;
  error(error: unknown): void;
  exit(code: number | null, signal: string | null): void;
}

export class Slot {
  transport!: WorkerTransport;
  id = "worker";
  readonly inflight = new Deque<Job>(64);
  /** Sequence number of each job of `inflight`, in the same order. */
  readonly seqs = new Deque<number>(64);
  /** Sequence number of the next job sent. */
  nextSeq = 1;
  readonly known: boolean[] = [];
  view: Float64Array | undefined;
  /** Int32 view of the same shared slot, for claims (see SLOT_CLAIM); threads only (processes: see `takeBack`). */
  claims: Int32Array | undefined;
  /** Process workers: id of the job the worker said it started (0: none). */
  startedId = 0;
  /** Jobs were taken back from this worker: it is busy for longer than measured, send it nothing until it reports. */
  robbed = false;
  /** A worker process was asked to give jobs back: send it nothing until it answers (see `takenBack`). */
  taking = false;
  sent = 0;
  tasks = 0;
  busyMs = 0;
  /** A thread's total busy time at the last result message (see SLOT_BUSY). */
  busyRead = 0;
  readonly bornAt = performance.now();
  /** Holds one abortable job, alone. */
  exclusive = false;
  /** Retiring or being killed on purpose. */
  exiting = false;
  error: unknown = undefined;
  idleTimer: LongTimeout | undefined = undefined;
  graceTimer: LongTimeout | undefined = undefined;
  /** Called when the worker has reported its last job while exiting (see terminateWorker). */
  whenIdle: (() => void) | undefined = undefined;
  readonly exited = deferred<void>();

  /** Stops its idle and abort-grace timers. */
  clearTimers(): void {
    if (this.idleTimer !== undefined) clearLongTimeout(this.idleTimer);
    if (this.graceTimer !== undefined) clearLongTimeout(this.graceTimer);
    this.idleTimer = this.graceTimer = undefined;
  }

  /** A new shared slot for a thread worker (see SLOT_JOB, SLOT_BUSY, SLOT_CLAIM), viewed by this one. */
  share(): SharedArrayBuffer {
    const sab = new SharedArrayBuffer(SLOT_BYTES);
    this.view = new Float64Array(sab, 0, SLOT_FLOATS);
    this.claims = new Int32Array(sab);
    return sab;
  }

  /** The busy time of a result message: a thread's from its slot (see SLOT_BUSY), a process's as `sent` in the message. */
  busySince(sent: number): number {
    const view = this.view;
    if (view === undefined) return sent;
    const total = view[SLOT_BUSY] as number;
    const busy = total - this.busyRead;
    this.busyRead = total;
    return busy;
  }

  /** This worker's counters for `stats()`, `now` being `performance.now()`. */
  stats(now: number): WorkerStats {
    const life = now - this.bornAt;
    return { id: this.id, tasks: this.tasks, utilisation: life > 0 ? Math.min(1, this.busyMs / life) : 0 };
  }
}

/**
 * Which of a dead worker's unreported jobs (in the order sent) it was
 * running: `running` is its index (-1: none had started), and `finished` says
 * that one had ended (its result was lost). Jobs before `running` ended with
 * their results lost; jobs after it never started.
 */
export function blame(slot: Slot, jobs: readonly Job[], signal: string | null): { running: number; finished: boolean } {
  const view = slot.view;
  // A process says which job it starts (DoneMessage.next); it posts each
  // result as its job ends, so no job before that one is unreported.
  const id = view === undefined ? slot.startedId : view[SLOT_JOB];
  let running = jobs.findIndex((job) => job.id === id);
  // A worker that exited by itself before running anything (its initializer
  // called process.exit, say) would do it again: blame the first job rather
  // than loop forever. One killed from outside (a signal) while booting or
  // idle ran nothing: its jobs go back to the queue uncharged.
  if (running < 0 && slot.tasks === 0 && signal === null) running = 0;
  return { running, finished: running >= 0 && view !== undefined && view[SLOT_FINISHED] === 1 };
}

/**
 * Takes back the jobs a thread worker holds and has not started (work
 * stealing): they leave `slot.inflight` and are returned, in order, for the
 * queue. The worker's claim of each job and this take-back are one
 * compare-and-swap on the same shared cell, so a job is either started by the
 * worker or taken back, never both, never neither: the worker skips taken
 * jobs without reporting them when it sees the revoked claim.
 */
export function takeBackUnstarted(slot: Slot): Job[] {
  const claims = slot.claims;
  if (claims === undefined || slot.exiting || slot.inflight.length === 0) return [];
  for (;;) {
    const claimed = Atomics.load(claims, SLOT_CLAIM);
    // The worker has not yet seen the last take-back: it will, before its next job.
    if (claimed === CLAIM_REVOKED) return [];
    const n = slot.inflight.length - firstAfter(slot, claimed);
    if (n <= 0) return [];
    Atomics.store(claims, SLOT_REVOKED, slot.seqs.peekBack() as number);
    if (Atomics.compareExchange(claims, SLOT_CLAIM, claimed, CLAIM_REVOKED) !== claimed) continue;
    return takeLast(slot, n);
  }
}

/**
 * The jobs a worker process's watchdog thread took back (see
 * `process-take-back.ts`), for the queue: those after the one with sequence
 * number `claimed`, the last the process had claimed (none when `claimed` is
 * CLAIM_REVOKED). The pool sent the worker nothing since it asked, so they run
 * through the last job the worker holds.
 */
export function takenBack(slot: Slot, claimed: number): Job[] {
  slot.taking = false;
  const n = claimed === CLAIM_REVOKED ? 0 : slot.inflight.length - firstAfter(slot, claimed);
  return n > 0 ? takeLast(slot, n) : [];
}

/** Index in `slot.inflight` of the job after the one numbered `claimed` (0 when that one was reported). */
function firstAfter(slot: Slot, claimed: number): number {
  for (let i = slot.seqs.length - 1; i >= 0; i--) if (slot.seqs.at(i) === claimed) return i + 1;
  return 0;
}

/** Removes the last `n` jobs of `slot.inflight` and returns them in order. */
function takeLast(slot: Slot, n: number): Job[] {
  const taken: Job[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    taken[i] = slot.inflight.pop() as Job;
    slot.seqs.pop();
  }
  slot.sent -= n;
  // Still running one: it is busy for longer than measured.
  slot.robbed = slot.inflight.length > 0;
  return taken;
}

/**
 * Work stealing. Jobs are pipelined (a worker holds several) because a
 * message per job would cost more than a tiny task; the price is that a job
 * can wait behind a long one on a busy worker while another worker is idle.
 * So when a worker is left with nothing to do, this takes back, from the
 * worker holding the most, every job it has not started (returned in order,
 * for the queue, to be dealt again); the robbed worker gets no new job until
 * it reports (what it runs takes longer than the measured average). A taken
 * job was never started: it is not charged as a retry, its timeout (none:
 * timed jobs are never pipelined) restarts when dealt, and the trace shows
 * the worker that ran it. A thread worker's jobs are taken at once, through
 * the memory it shares with the pool; a process is asked through its
 * take-back channel, and the jobs come back with its answer (see
 * `takenBack`): the worker gets no new job until then.
 */
export function stealUnstarted(slots: readonly Slot[]): Job[] {
  let idle = false;
  let victim: Slot | undefined;
  for (const slot of slots) {
    // A robbed worker has nothing unstarted; one being asked has not answered yet.
    if (slot.exiting || slot.robbed || slot.taking) continue;
    if (slot.inflight.length === 0) idle = true;
    else if (slot.inflight.length > 1 && (victim === undefined || slot.inflight.length > victim.inflight.length)) {
      victim = slot;
    }
  }
  if (!idle || victim === undefined) return [];
  if (victim.claims !== undefined) return takeBackUnstarted(victim);
  // Until it answers, the worker is sent nothing: its last job stays the one named.
  if (victim.transport.takeBack?.(victim.seqs.peekBack() as number) === true) victim.taking = true;
  return [];
}

/** The sequence number after `seq`. */
export function nextSeq(seq: number): number {
  return (seq + 1) & SEQ_MASK;
}

/** The error of a job lost with its worker. */
export function crashError(
  slot: Slot,
  job: Job,
  code: number | null,
  signal: string | null,
  when: "while running" | "before sending the result of",
): WorkerCrashedError {
  const how = signal !== null ? `was killed by signal ${signal}` : `exited with code ${code}`;
  const cause = slot.error;
  const because = cause instanceof Error ? `: ${cause.message}` : "";
  // A chunk names its items, so the caller knows which part of the map was lost.
  const last = job.first + job.count - 1;
  const items = job.kind === KIND_CALL ? "" : last === job.first ? ` (item ${last})` : ` (items ${job.first}–${last})`;
  return new WorkerCrashedError(
    `Worker ${slot.id} ${how} ${when} task '${job.ref.name}'${items}${because}`,
    { exitCode: code, signal },
    cause === undefined ? undefined : { cause },
  );
}

/** The error of a job whose arguments cannot be sent to a worker. */
export function cloneError(job: Job, error: unknown): TypeError {
  const detached = job.transfer?.find((item) => item instanceof ArrayBuffer && (item as { detached?: boolean }).detached === true);
  const message =
    detached !== undefined
      ? "a buffer in its 'transfer' list was already moved (to an earlier task): a buffer can be transferred once"
      : ((error as Error)?.message ?? String(error));
  return new TypeError(`Cannot send task '${job.ref.name}' to a worker as its arguments cannot be cloned: ${message}`, {
    cause: error,
  });
}
