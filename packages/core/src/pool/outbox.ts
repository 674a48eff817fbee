/**
 * The `run` message being built for one worker during a dispatch, and how a
 * job's arguments go into it.
 *
 * Every task gets its own arguments. One message is cloned as one graph, so
 * two jobs of the same message that hold the same object would arrive
 * holding one copy of it, and one task's mutation would show in the other
 * (Python pickles each `submit` separately; piscina clones each `run`). So
 * the first job with objects in a message travels as it is, and each later
 * one is cloned on its own first (`structuredClone`), which breaks any
 * sharing with the jobs before it. Numbers and strings cannot alias: a
 * message of them costs no copy (the tiny-task fast path). A `map` chunk of
 * several items is one job, cloned as one graph like Python's one pickle per
 * chunk: an object repeated inside one chunk is one object in the worker.
 *
 * What stays shared: objects backed by a SharedArrayBuffer (`Value`, `Lock`,
 * shared arrays…), which structured clone shares rather than copies, and the
 * buffers a job lists in `transfer`, which move. A job with a `transfer` list
 * starts a message of its own (it is never cloned, which would copy what the
 * caller asked to move); once moved, a buffer is detached, so a later task
 * given the same buffer in its `transfer` list is rejected with a TypeError.
 *
 * @internal
 * @module
 */
import type { TransferListItem } from "node:worker_threads";
import { type Job, KIND_CALL, KIND_MAP } from "../executor/job.js";
import { allPlain, toTypedArray } from "../executor/sendable.js";
import { keepShape } from "../internal/keep-shape.js";
import { encodeShared } from "../internal/shareable.js";
import { FLAG_ONE, FLAG_TYPED, TYPED_MIN } from "./protocol.js";
import type { Slot } from "./worker-slot.js";

/** One worker's message under construction. */
export class Outbox {
  readonly slot: Slot;
  /** Jobs the worker may still take in this dispatch. */
  room: number;
  jobs: unknown[] = [];
  defs: unknown[] | null = null;
  transfer: TransferListItem[] | undefined = undefined;
  /** Jobs in the message being built. */
  count = 0;
  /** Jobs of the message whose arguments hold objects. */
  objects = 0;
  /** Sequence number of the message's first job. */
  seq = 0;

  constructor(slot: Slot, room: number) {
    this.slot = slot;
    this.room = room;
  }

  /** Starts the next message. */
  reset(): void {
    this.jobs = [];
    this.defs = null;
    this.transfer = undefined;
    this.count = 0;
    this.objects = 0;
  }

  /**
   * Appends `job`'s fields (`task`, `flags` without the payload flags) to the
   * message, its arguments made independent of the message's other jobs.
   *
   * @throws {DOMException} `DataCloneError` when the arguments cannot be cloned.
   */
  add(job: Job, task: number, flags: number, sharesMemory: boolean): void {
    const payload = job.payload;
    let wire: unknown;
    if (job.kind === KIND_CALL && payload.length === 1) {
      flags |= FLAG_ONE;
      wire = payload[0];
      if (wire !== null && typeof wire === "object") wire = this.#own(encodeShared(wire));
    } else if (job.kind === KIND_MAP && payload.length >= TYPED_MIN && (wire = toTypedArray(payload)) !== undefined) {
      flags |= FLAG_TYPED;
      if (sharesMemory) (this.transfer ??= []).push((wire as Int32Array).buffer as ArrayBuffer);
    } else {
      // A chunk of numbers or strings has nothing to encode and nothing to alias: skip the walk.
      wire = allPlain(payload) ? payload : this.#own(encodeShared(payload));
    }
    const moving = job.transfer;
    if (moving !== undefined && moving.length > 0) (this.transfer ??= []).push(...moving);
    this.jobs.push(job.id, task, flags, wire);
    this.count++;
  }

  /** Arguments with objects: cloned unless they are the message's first such job (see the module doc). */
  #own(value: unknown): unknown {
    return this.objects++ === 0 ? value : structuredClone(value);
  }
}

// A dispatch makes one outbox per worker and drops it when the message is posted; see keep-shape.ts.
keepShape(new Outbox(undefined as unknown as Slot, 0));

/**
 * How many jobs a worker may hold at once, from `est`, the measured
 * milliseconds per job (NaN before the first result): 1 until the first
 * result and for jobs of 20 ms or more (so long tasks are balanced over
 * workers like Python's pool), up to `maxDepth` (2048 for threads) for tasks
 * of a few microseconds, where the per-message cost dominates.
 */
export function pipelineDepth(est: number, maxDepth: number): number {
  let depth: number;
  if (!(est >= 0) || est >= 20) depth = 1;
  else depth = Math.max(2, Math.floor(2 / Math.max(est, 0.001)));
  return Math.min(depth, maxDepth);
}
