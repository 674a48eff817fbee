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
import type { LongTimeout } from "../internal/long-timer.js";
import type { Job } from "../executor/job.js";
import { type FromWorker, SLOT_FINISHED, SLOT_JOB, type ToWorker } from "./protocol.js";

/** A started worker, as the pool sees it. */
export interface WorkerTransport {
  /** Stable id for stats and traces, e.g. `"thread-3"` or `"process-4242"`. */
  readonly id: string;
  /** Sends a message; throws synchronously when it cannot be cloned. */
  post(message: ToWorker, transfer?: readonly TransferListItem[]): void;
  /** Stops the worker at once; `exit` follows. */
  kill(): void;
}

/** What a transport reports. */
export interface WorkerEvents {
  message(message: FromWorker): void;
  error(error: unknown): void;
  exit(code: number | null, signal: string | null): void;
}

export class Slot {
  transport!: WorkerTransport;
  id = "worker";
  readonly inflight = new Deque<Job>(64);
  readonly known: boolean[] = [];
  view: Float64Array | undefined;
  sent = 0;
  tasks = 0;
  busyMs = 0;
  readonly bornAt = performance.now();
  /** Holds one abortable job, alone. */
  exclusive = false;
  /** Retiring or being killed on purpose. */
  exiting = false;
  error: unknown = undefined;
  idleTimer: LongTimeout | undefined = undefined;
  graceTimer: LongTimeout | undefined = undefined;
  readonly exited = deferred<void>();
}

/**
 * Which of a dead worker's unreported jobs (in the order sent) it was
 * running: `running` is its index (-1: none had started), and `finished` says
 * that one had ended (its result was lost). Jobs before `running` ended with
 * their results lost; jobs after it never started.
 */
export function blame(slot: Slot, jobs: readonly Job[]): { running: number; finished: boolean } {
  const view = slot.view;
  // A process posts each result as its job ends: its first unreported job is the running one.
  if (view === undefined) return { running: 0, finished: false };
  const id = view[SLOT_JOB];
  let running = jobs.findIndex((job) => job.id === id);
  // A worker that died before running anything (its initializer exited, say)
  // would die again: blame the first job rather than loop forever.
  if (running < 0 && slot.tasks === 0) running = 0;
  return { running, finished: running >= 0 && view[SLOT_FINISHED] === 1 };
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
  return new WorkerCrashedError(
    `Worker ${slot.id} ${how} ${when} task '${job.ref.name}'${because}`,
    { exitCode: code, signal },
    cause === undefined ? undefined : { cause },
  );
}
