/**
 * An executor's jobs and their counts: the FIFO queue of jobs waiting for a
 * worker, the state of each job (queued → running → settled, or back to
 * queued when its worker died first) and the per-call counters `stats()`
 * reports. Counts are in task calls: a chunk of `map` items counts each item.
 *
 * Cancelled jobs are not removed from the middle of the queue (a deque has no
 * cheap removal): they are marked settled and skipped when they reach the
 * front.
 *
 * @internal
 * @module
 */
import { Deque } from "../internal/deque.js";
import { type Job, QUEUED, RUNNING, SETTLED } from "./job.js";

/** The queue of jobs waiting to run, and the counters of every job. */
export class JobQueue {
  readonly #queue = new Deque<Job>(1024);
  /** Task calls accepted, ever. */
  submitted = 0;
  /** Task calls that ended with a result / an error, ever. */
  completed = 0;
  failed = 0;
  /** Task calls queued / running now. */
  queuedCalls = 0;
  runningCalls = 0;

  /** Jobs in the queue, cancelled ones not yet skipped included. */
  get length(): number {
    return this.#queue.length;
  }

  /** Accepts a new job at the back of the queue. */
  add(job: Job): void {
    this.submitted += job.count;
    this.queuedCalls += job.count;
    this.#queue.push(job);
  }

  /** Takes the next queued job and marks it running (cancelled ones are dropped on the way). */
  take(): Job | undefined {
    const queue = this.#queue;
    while (queue.length > 0) {
      const job = queue.shift() as Job;
      if (job.state !== QUEUED) continue;
      job.state = RUNNING;
      this.queuedCalls -= job.count;
      this.runningCalls += job.count;
      return job;
    }
    return undefined;
  }

  /** The next queued job, left in the queue (cancelled ones are dropped on the way). */
  peek(): Job | undefined {
    const queue = this.#queue;
    for (;;) {
      const job = queue.peekFront();
      if (job === undefined || job.state === QUEUED) return job;
      queue.shift();
    }
  }

  /** Puts a running job back at the front of the queue. */
  requeue(job: Job): void {
    job.state = QUEUED;
    this.runningCalls -= job.count;
    this.queuedCalls += job.count;
    this.#queue.unshift(job);
  }

  /**
   * Marks a queued or running job settled and counts its outcome. Returns the
   * state it was in, or `SETTLED` when it already was (nothing is counted then).
   */
  settle(job: Job, ok: boolean): number {
    const state = job.state;
    if (state === SETTLED) return SETTLED;
    job.state = SETTLED;
    const count = job.count;
    if (state === QUEUED) this.queuedCalls -= count;
    else this.runningCalls -= count;
    if (ok) this.completed += count;
    else this.failed += count;
    return state;
  }

  /** Empties the queue and returns its jobs (settled ones included). */
  drain(): Job[] {
    return this.#queue.drain();
  }
}
