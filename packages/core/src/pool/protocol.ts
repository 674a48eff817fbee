/**
 * The messages between a pool and its workers (threads and processes alike),
 * as one union per direction. Jobs and results travel in flat arrays, many
 * per message: everything submitted in one tick goes to a worker in one
 * message, and a worker sends back the results of a run of jobs in one.
 *
 *   run.jobs:   [id, task, flags, payload,  id, task, flags, payload, ...]
 *   done.r:     [id, status, value,  id, status, value, ...]
 *   done.times: [startedAt, endedAt, ...]  for the jobs flagged FLAG_TIMED, in order
 *
 * A call with one argument travels as the argument itself (FLAG_ONE), not as
 * a one-element array: most tasks take one argument, and a nested array per
 * job is most of the cost of cloning a batch of tiny tasks.
 *
 * A thread worker's lone job whose argument is a primitive travels as one
 * string instead, and its lone primitive result as itself (see `solo-wire.ts`).
 *
 * `task` indexes the pool's task table; a worker learns an entry from the
 * `defs` of the first message that uses it (`[index, module, name, ...]`).
 * Times are epoch milliseconds (`performance.timeOrigin + performance.now()`).
 *
 * @internal
 * @module
 */
import type { SerializedError } from "../internal/errors.js";

/** Fields per job in `run.jobs`. */
export const JOB_FIELDS = 4;
/** Fields per result in `done.r`. */
export const RESULT_FIELDS = 3;
/** Low bits of `flags`: the job kind (`KIND_CALL`, `KIND_MAP`, `KIND_STARMAP`). */
export const KIND_MASK = 3;
/**
 * Flag: the job can be aborted on its own, so the worker gives it its own
 * AbortSignal (the others share the worker's, which aborts when the pool
 * stops the worker).
 */
export const FLAG_ABORTABLE = 4;
/** Flag: `payload` is the only argument of a call, not an argument list. */
export const FLAG_ONE = 8;
/** Flag: report when the job started and ended (traced pools, chunks for auto sizing). */
export const FLAG_TIMED = 16;
/**
 * Flag: the payload of a `map` chunk of numbers travels as an Int32Array or
 * Float64Array (moved, not cloned, between threads): cloning an array costs
 * tens of nanoseconds per element, a typed array's bytes are copied at memory
 * speed. A chunk's results come back the same way when they are all numbers.
 */
export const FLAG_TYPED = 32;
/** Chunks shorter than this travel as plain arrays. */
export const TYPED_MIN = 64;

/** The job ran and returned `value`. */
export const STATUS_OK = 0;
/** The job threw; `value` is a {@link SerializedError}. */
export const STATUS_ERROR = 1;
/** The job was aborted before it started; it did not run. */
export const STATUS_SKIPPED = 2;

/** Shared-memory slot of a thread worker: which job it last started, and whether it finished it (threads only). */
export const SLOT_JOB = 0;
export const SLOT_FINISHED = 1;
/**
 * Float64 index of the milliseconds a thread worker has spent running jobs,
 * in all: it writes the total before each result message it posts, and the
 * pool reads it on each one (the difference from its last reading is that
 * message's busy time), so that a lone result can travel as a bare value.
 */
export const SLOT_BUSY = 2;
/** Float64 fields of a worker's shared slot ({@link SLOT_JOB}, {@link SLOT_FINISHED}, {@link SLOT_BUSY}). */
export const SLOT_FLOATS = 3;
/**
 * Bytes of a worker's shared slot: three Float64 fields, then two Int32 ones. A
 * thread worker shares it with the pool; a worker process shares its claim
 * cells with its own watchdog thread, which answers the pool's take-back
 * requests (see `process-take-back.ts`).
 */
export const SLOT_BYTES = 32;
/**
 * Int32 index (in an Int32Array over the slot) of the sequence number of the
 * last job the worker claimed. The worker claims each job before starting it
 * with a compare-and-swap from its previous claim; the pool takes back the
 * jobs the worker has not claimed by swapping in {@link CLAIM_REVOKED}, so
 * exactly one side wins each job.
 */
export const SLOT_CLAIM = 6;
/** Int32 index of the sequence number of the last job the pool took back. */
export const SLOT_REVOKED = 7;
/** {@link SLOT_CLAIM} while the worker has not yet seen that jobs were taken back. */
export const CLAIM_REVOKED = -1;
/** Sequence numbers of a worker's jobs wrap at this mask (they are only compared for equality). */
export const SEQ_MASK = 0x3fffffff;

export interface InitMessage {
  t: "init";
  /** `[module, name]` of the initializer, or null. */
  initializer: [string, string] | null;
  initargs: unknown[];
  /** A {@link SLOT_BYTES}-byte buffer for thread workers (see SLOT_JOB, SLOT_CLAIM), else null. */
  slot: SharedArrayBuffer | null;
}
export interface RunMessage {
  t: "run";
  defs: unknown[] | null;
  jobs: unknown[];
  /** Sequence number of the first job (the next ones follow, masked by {@link SEQ_MASK}). */
  seq: number;
}
export interface AbortMessage {
  t: "abort";
  id: number;
  reason: SerializedError;
}
/** The pool stops the worker (`terminateWorkers()`): every task's signal aborts with `reason`, jobs not started are skipped. */
export interface StopMessage {
  t: "stop";
  reason: SerializedError;
}
export interface CloseMessage {
  t: "close";
}
/** Main → worker (a thread worker may get a one-job {@link RunMessage} as a string: see `solo-wire.ts`). */
export type ToWorker = InitMessage | RunMessage | AbortMessage | StopMessage | CloseMessage;

export interface DoneMessage {
  t: "done";
  r: unknown[];
  /** Start and end of each FLAG_TIMED job of `r`, in order; null when none. */
  times: number[] | null;
  /** Milliseconds the worker spent running the jobs of `r` (a thread's pool reads {@link SLOT_BUSY} instead). */
  busy: number;
  /**
   * Process workers only: the id of the job the worker starts right after
   * this message (0: it has none and waits). A process shares no memory with
   * the pool, so this is how the pool knows, when the process dies, whether a
   * job it held had started (only that one is charged) or not (the others run
   * elsewhere, uncharged). It rides on the result message the worker posts
   * anyway; a job started from idle posts a message with no results.
   */
  next?: number;
}
export interface InitErrorMessage {
  t: "initError";
  error: SerializedError;
}
/** A worker process hit an uncaught error and is exiting with code 1 (threads report it through the `error` event). */
export interface FatalMessage {
  t: "fatal";
  error: SerializedError;
}
/**
 * A worker process's watchdog thread answered a take-back request (see
 * `process-take-back.ts`): the jobs after `claimed` through the one the
 * request named were taken back; `claimed` is {@link CLAIM_REVOKED} when none
 * were. It travels on the process's take-back channel, not its IPC channel.
 */
export interface TakenBackMessage {
  t: "takenBack";
  claimed: number;
}
/**
 * Worker → main. A thread worker sends a {@link DoneMessage} of one
 * successful result that is a primitive as that bare value (see `solo-wire.ts`).
 */
export type FromWorker = DoneMessage | InitErrorMessage | FatalMessage | TakenBackMessage;
/** A value a thread worker may post bare, as its lone result (see `solo-wire.ts`). */
export type Bare = string | number | bigint | boolean | undefined | null;
