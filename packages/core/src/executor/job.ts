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
import type { LongTimeout } from "../internal/long-timer.js";
import { keepShape } from "../internal/keep-shape.js";
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

/** The rarely used part of a job, allocated only when one of it is set. */
export interface JobExtra {
  signal: AbortSignal | undefined;
  /** Milliseconds the job may run once dispatched; 0 for no limit. */
  timeout: number;
  transfer: readonly TransferListItem[] | undefined;
  /** The executor's timer for `timeout`. */
  timer: LongTimeout | undefined;
  queuedAt: number;
  ms: number;
  attempts: number;
  tag: number;
  first: number;
  holder: unknown;
}

function extra(): JobExtra {
  return {
    signal: undefined,
    timeout: 0,
    transfer: undefined,
    timer: undefined,
    queuedAt: 0,
    ms: -1,
    attempts: 0,
    tag: 0,
    first: 0,
    holder: undefined,
  };
}

/**
 * A job keeps eight fields of its own; everything a plain `submit` does not
 * need lives in `extra`, allocated on first use. The pools keep one job per
 * pending task, so its size is most of what the garbage collector copies when
 * 100,000 tasks are in flight.
 */
export class Job {
  /** Unique within the executor; sent over the wire to match results. */
  readonly id: number;
  readonly ref: TaskRef;
  /** {@link KIND_CALL}, {@link KIND_MAP} or {@link KIND_STARMAP}. */
  readonly kind: number;
  /** Arguments (a call) or items (a chunk). */
  payload: unknown[];
  readonly resolve: (value: any) => void;
  readonly reject: (error: unknown) => void;
  state = QUEUED;
  /** Signal, timeout, transfer list and bookkeeping, when any was set. */
  extra: JobExtra | undefined;

  constructor(
    id: number,
    ref: TaskRef,
    kind: number,
    payload: unknown[],
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
    this.resolve = resolve;
    this.reject = reject;
    if (signal === undefined && timeout === 0 && transfer === undefined) this.extra = undefined;
    else {
      const e = extra();
      e.signal = signal;
      e.timeout = timeout;
      e.transfer = transfer;
      this.extra = e;
    }
  }

  /** Number of task calls: 1 for a call, the chunk's length for a chunk. */
  get count(): number {
    return this.kind === KIND_CALL ? 1 : this.payload.length;
  }

  get signal(): AbortSignal | undefined {
    return this.extra?.signal;
  }

  /** Milliseconds the job may run once dispatched; 0 for no limit. */
  get timeout(): number {
    return this.extra?.timeout ?? 0;
  }

  get transfer(): readonly TransferListItem[] | undefined {
    return this.extra?.transfer;
  }

  /** Whether the job can be stopped on its own (it has a signal or a timeout). */
  get abortable(): boolean {
    const e = this.extra;
    return e !== undefined && (e.signal !== undefined || e.timeout > 0);
  }

  /** Recorder time at submission (only when tracing). */
  get queuedAt(): number {
    return this.extra?.queuedAt ?? 0;
  }
  set queuedAt(value: number) {
    (this.extra ??= extra()).queuedAt = value;
  }

  /** Milliseconds the job ran on its worker, once reported (-1 when unknown). */
  get ms(): number {
    return this.extra?.ms ?? -1;
  }
  set ms(value: number) {
    (this.extra ??= extra()).ms = value;
  }

  /** How many times the job was re-queued after its worker crashed. */
  get attempts(): number {
    return this.extra?.attempts ?? 0;
  }
  set attempts(value: number) {
    (this.extra ??= extra()).attempts = value;
  }

  /** Owner's tag (a map's chunk index). */
  get tag(): number {
    return this.extra?.tag ?? 0;
  }
  set tag(value: number) {
    (this.extra ??= extra()).tag = value;
  }

  /** Index of a chunk's first item in its map's input (for error messages). */
  get first(): number {
    return this.extra?.first ?? 0;
  }
  set first(value: number) {
    (this.extra ??= extra()).first = value;
  }

  /**
   * The subclass's record of the worker holding the job. Set only for jobs
   * that can be abandoned (with a signal or timeout); a subclass that needs
   * it for every job keeps its own map.
   */
  get holder(): unknown {
    return this.extra?.holder;
  }
  set holder(value: unknown) {
    if (value === undefined && this.extra === undefined) return;
    (this.extra ??= extra()).holder = value;
  }
}

// Between tasks a pool holds no job; see keep-shape.ts.
keepShape(new Job(0, { module: "", name: "" } as TaskRef, KIND_CALL, [], () => {}, () => {}, undefined, 0, undefined));
