/**
 * One unit of work inside an executor: a single call (`submit`/`run`) or a
 * chunk of items (`map`/`starmap`). Executors hand jobs to their workers and
 * report each job's outcome exactly once.
 *
 * A job is a plain class with fixed fields (one hidden class for V8, no
 * closures of its own), because the pools create one per task on the hot path.
 *
 * @internal
 * @module
 */
import type { TransferListItem } from "node:worker_threads";
import type { TaskRef } from "./task.js";

/** `payload` is the argument list of one call. */
export const KIND_CALL = 0;
/** `payload` is a chunk of items, each the single argument of one call (`map`). */
export const KIND_MAP = 1;
/** `payload` is a chunk of argument lists (`starmap`). */
export const KIND_STARMAP = 2;

/** In the executor's queue. */
export const QUEUED = 0;
/** Handed to a worker (or running on the event loop). */
export const RUNNING = 1;
/** Its promise is settled (result, error, timeout, abort or cancel). */
export const SETTLED = 2;

export class Job {
  /** Unique within the executor; sent over the wire to match results. */
  readonly id: number;
  readonly ref: TaskRef;
  /** {@link KIND_CALL}, {@link KIND_MAP} or {@link KIND_STARMAP}. */
  readonly kind: number;
  /** Arguments (a call) or items (a chunk). */
  payload: unknown[];
  /** Number of task calls: 1 for a call, the chunk's length for a chunk. */
  readonly count: number;
  readonly resolve: (value: any) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  /** Milliseconds the job may run once dispatched; 0 for no limit. */
  readonly timeout: number;
  readonly transfer: readonly TransferListItem[] | undefined;
  state = QUEUED;
  /** Recorder time at submission (only when tracing). */
  queuedAt = 0;
  /** Epoch ms the job started and ended on its worker, once reported (0 before). */
  startedAt = 0;
  endedAt = 0;
  /** How many times the job was re-queued after its worker crashed. */
  attempts = 0;
  /** Owner's tag (a map's chunk index). */
  tag = 0;
  /** The executor's timer for `timeout`. */
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Removes the abort listener. */
  unlisten: (() => void) | undefined = undefined;
  /** The subclass's record of the worker holding the job. */
  holder: unknown = undefined;

  constructor(
    id: number,
    ref: TaskRef,
    kind: number,
    payload: unknown[],
    count: number,
    resolve: (value: any) => void,
    reject: (error: unknown) => void,
    signal: AbortSignal | undefined,
    timeout: number,
    transfer: readonly TransferListItem[] | undefined,
  ) {
    this.id = id;
    this.ref = ref;
    this.kind = kind;
    this.payload = payload;
    this.count = count;
    this.resolve = resolve;
    this.reject = reject;
    this.signal = signal;
    this.timeout = timeout;
    this.transfer = transfer;
  }
}
