/**
 * Gathers the outcomes of a producer's jobs: ONE `QueueEvents` listener per
 * executor, keyed by job id, plus reconciliation from Redis, plus removal of
 * finished jobs once their outcome is delivered.
 *
 * Why not `job.waitUntilFinished()` per job: it adds two listeners per job,
 * and it misses completions in two ways measured on BullMQ 6.7:
 *
 * - `QueueEvents` is "ready" before its first read of the events stream, and
 *   by default reads from `$` (what arrives after that read): a job finishing
 *   in the gap is never reported. Here the listener starts from the stream's
 *   last id read *before* any job is added, so nothing is skipped.
 * - The events stream is trimmed (about 10,000 entries): a producer that
 *   falls behind, or was disconnected while Redis restarted, silently misses
 *   events. When no outcome has arrived for `reconcileInterval` ms while jobs
 *   are pending, the tracker reads the state of its oldest pending jobs
 *   straight from their job hashes and delivers what it finds there (then
 *   waits twice as long before the next look while looks find nothing).
 *
 *        addBulk ──▶ pending (id → waiter) ◀── "completed"/"failed" events
 *                              ▲
 *                              └── reconcile: ZSCORE completed/failed + HMGET
 *
 * Delivered jobs are removed in batches by a small script that deletes a job
 * only when it is finished (a job re-run after a stall is never removed while
 * active). The pool also sweeps finished jobs older than its `resultTtl`,
 * which bounds what a producer that died leaves behind.
 *
 * @internal
 * @module
 */
import { QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { JuggleError } from "juggle-core";
import { clearLongTimeout, type LongTimeout, setLongTimeout } from "juggle-core/executor";
import { bullConnection, type ConnectionSpec } from "./connection.js";
import { type FailureSite, fromFailure } from "./job.js";

/** How a job ended: its encoded result, or its error. */
export type Outcome = { ok: true; value: string } | { ok: false; error: Error; site?: FailureSite | undefined };

/** Called once per expected job with its outcome. */
export type OnOutcome = (jobId: string, outcome: Outcome) => void;

// Removes each listed job only if it is in the completed or failed set.
const REMOVE_FINISHED = `
local n = 0
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call("ZREM", ARGV[1] .. "completed", id) == 1 or redis.call("ZREM", ARGV[1] .. "failed", id) == 1 then
    redis.call("DEL", ARGV[1] .. id, ARGV[1] .. id .. ":logs")
    n = n + 1
  end
end
return n
`;

const RECONCILE_BATCH = 1000;
const REMOVE_BATCH = 1000;
/** Longest quiet time between reconciliations that find nothing, in ms. */
const MAX_QUIET = 30_000;

export class JobTracker {
  readonly #client: Redis;
  readonly #keyPrefix: string;
  readonly #events: QueueEvents;
  /** Expected jobs: true once added to Redis (reconciliation before that would find nothing). */
  readonly #pending = new Map<string, boolean>();
  readonly #onOutcome: OnOutcome;
  /** Jobs whose caller went away (cancelled): removed when they finish. */
  readonly #orphans = new Set<string>();
  #toRemove: string[] = [];
  #removeTimer: NodeJS.Timeout | undefined;
  #removing: Promise<void> = Promise.resolve();
  #reconcileTimer: LongTimeout | undefined;
  #reconciling = false;
  #closed = false;
  readonly #interval: number;
  /** When an event was last read, and its id. */
  /** When an outcome of one of this tracker's jobs last arrived. */
  #lastDeliveryAt = performance.now();
  /** Quiet time before the next reconciliation: doubles while they find nothing (slow tasks), up to 30 s. */
  #quiet = 0;
  #nextReconcileAt = 0;

  private constructor(client: Redis, keyPrefix: string, events: QueueEvents, interval: number, onOutcome: OnOutcome) {
    this.#client = client;
    this.#onOutcome = onOutcome;
    this.#keyPrefix = keyPrefix;
    this.#events = events;
    this.#interval = interval;
    this.#quiet = interval;
  }

  /**
   * Starts listening from the events stream's current last id.
   *
   * @param client A connection for reads and removals (shared with the queue).
   * @param onOutcome Receives each expected job's outcome, once.
   */
  static async start(
    client: Redis,
    spec: ConnectionSpec,
    prefix: string,
    queue: string,
    reconcileInterval: number,
    onError: (error: Error) => void,
    onOutcome: OnOutcome,
  ): Promise<JobTracker> {
    const keyPrefix = `${prefix}:${queue}:`;
    const last = (await client.xrevrange(`${keyPrefix}events`, "+", "-", "COUNT", 1))[0]?.[0] ?? "0-0";
    const events = new QueueEvents(queue, {
      connection: bullConnection(spec),
      prefix,
      lastEventId: last,
      autorun: true,
    });
    const tracker = new JobTracker(client, keyPrefix, events, reconcileInterval, onOutcome);
    client.defineCommand("juggleRemoveFinished", { numberOfKeys: 0, lua: REMOVE_FINISHED });
    events.on("error", onError);
    events.on("completed", ({ jobId, returnvalue }) => {
      tracker.#deliver(jobId, { ok: true, value: returnvalue as unknown as string });
    });
    events.on("failed", ({ jobId, failedReason }) => {
      tracker.#deliver(jobId, { ok: false, ...fromFailure(failedReason, jobId) });
    });
    await events.waitUntilReady();
    // A chain of long timers rather than setInterval, which Node clamps to 1 ms beyond 2^31 − 1 ms.
    const tick = (): void => {
      tracker.#reconcileTimer = setLongTimeout(tick, reconcileInterval).unref();
      void tracker.#reconcile(onError);
    };
    tracker.#reconcileTimer = setLongTimeout(tick, reconcileInterval).unref();
    return tracker;
  }

  /** Jobs added and not delivered yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Registers a job id before the job is added; its outcome goes to `onOutcome`, once. */
  expect(jobId: string): void {
    this.#pending.set(jobId, false);
  }

  /** Marks jobs as added (reconciliation may look for them now). */
  added(jobIds: readonly string[]): void {
    for (const id of jobIds) if (this.#pending.has(id)) this.#pending.set(id, true);
  }

  /**
   * Stops waiting for jobs (their call was cancelled or failed): queued ones
   * are removed from Redis now, running ones when they finish.
   */
  async abandon(jobIds: readonly string[], removeQueued: (id: string) => Promise<unknown>): Promise<void> {
    const ids = jobIds.filter((id) => this.#pending.delete(id));
    for (const id of ids) this.#orphans.add(id);
    await Promise.all(
      ids.map(async (id) => {
        const removed = await removeQueued(id).catch(() => 0);
        if (removed === 1 || removed === true) this.#orphans.delete(id);
      }),
    );
  }

  #deliver(jobId: string, outcome: Outcome): void {
    if (this.#pending.delete(jobId)) {
      this.#lastDeliveryAt = performance.now();
      this.#quiet = this.#interval;
      this.#scheduleRemoval(jobId);
      this.#onOutcome(jobId, outcome);
    } else if (this.#orphans.delete(jobId)) {
      this.#scheduleRemoval(jobId);
    }
  }

  #scheduleRemoval(jobId: string): void {
    this.#toRemove.push(jobId);
    if (this.#toRemove.length >= REMOVE_BATCH) {
      this.#flushRemovals();
    } else if (this.#removeTimer === undefined) {
      this.#removeTimer = setTimeout(() => this.#flushRemovals(), 20);
    }
  }

  #flushRemovals(): void {
    clearTimeout(this.#removeTimer);
    this.#removeTimer = undefined;
    if (this.#toRemove.length === 0) return;
    const ids = this.#toRemove;
    this.#toRemove = [];
    const client = this.#client as Redis & { juggleRemoveFinished(...args: string[]): Promise<number> };
    // Removals are chained so close() can wait for all of them; a failed
    // removal is left to the sweep of old finished jobs.
    this.#removing = this.#removing.then(() => client.juggleRemoveFinished(this.#keyPrefix, ...ids).then(noop, noop));
  }

  /**
   * Reads the state of the oldest pending jobs from Redis when events may
   * have been missed: jobs are pending and none of their outcomes has arrived
   * for a whole interval. (Checking on every tick whether the stream was
   * trimmed past the last event read costs Redis thousands of reads per
   * second while a large map is queued, for events that still arrive.)
   */
  async #reconcile(onError: (error: Error) => void): Promise<void> {
    if (this.#reconciling || this.#pending.size === 0 || this.#client.status !== "ready") return;
    const now = performance.now();
    if (now - this.#lastDeliveryAt < this.#interval || now < this.#nextReconcileAt) return;
    this.#reconciling = true;
    const before = this.#pending.size;
    try {
      const ids: string[] = [];
      for (const [id, added] of this.#pending) {
        if (added) ids.push(id);
        if (ids.length >= RECONCILE_BATCH) break;
      }
      const p = this.#keyPrefix;
      const pipeline = this.#client.pipeline();
      for (const id of ids) {
        pipeline.zscore(`${p}completed`, id);
        pipeline.zscore(`${p}failed`, id);
        pipeline.hmget(`${p}${id}`, "timestamp", "returnvalue", "failedReason");
      }
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as string;
        const [e1, completed] = replies[i * 3] ?? [];
        const [e2, failed] = replies[i * 3 + 1] ?? [];
        const [e3, fields] = replies[i * 3 + 2] ?? [];
        if (e1 || e2 || e3) continue;
        const [timestamp, returnvalue, failedReason] = (fields ?? []) as (string | null)[];
        if (completed !== null && returnvalue != null) {
          this.#deliver(id, { ok: true, value: JSON.parse(returnvalue) as string });
        } else if (failed !== null) {
          this.#deliver(id, { ok: false, ...fromFailure(failedReason ?? undefined, id) });
        } else if (timestamp == null && this.#pending.has(id)) {
          this.#deliver(id, {
            ok: false,
            error: new JuggleError(
              `Cannot get the result of job ${id} as it is no longer in Redis (removed, or lost by a Redis restart without persistence)`,
              "ERR_JUGGLE_JOB_LOST",
            ),
          });
        }
      }
      if (this.#pending.size === before) this.#quiet = Math.min(this.#quiet * 2, MAX_QUIET);
      this.#nextReconcileAt = performance.now() + this.#quiet;
    } catch (error) {
      onError(error as Error);
    } finally {
      this.#reconciling = false;
    }
  }

  /** Stops listening; waits for pending removals first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearLongTimeout(this.#reconcileTimer);
    this.#reconcileTimer = undefined;
    this.#flushRemovals();
    await this.#removing;
    await this.#events.close();
  }
}

function noop(): void {}
