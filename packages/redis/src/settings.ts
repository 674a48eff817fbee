/**
 * Defaults shared by the producer (`RedisPool`), the worker (`juggle worker`)
 * and the monitor (`juggle queues`), in one place.
 *
 * @module
 */
import { describe, given } from "juggle-core/executor";

/** Default BullMQ queue name. */
export const DEFAULT_QUEUE = "juggle";
/** Default key prefix: keys are `<prefix>:<queue>:…`. */
export const DEFAULT_PREFIX = "juggle";

/**
 * Default lock of a running job, in ms: 4,000. A worker renews it every half
 * lock while its event loop is free; a worker that dies stops renewing it.
 * BullMQ's 30 s default makes a lost task wait about a minute.
 */
export const DEFAULT_LOCK_DURATION = 4_000;
/**
 * Default period of the stalled-job check, in ms: 2,000. A job whose lock has
 * expired is put back in the queue by the second check that sees it, so a
 * killed worker's job runs again within lock + 2 checks ≈ 8 s.
 */
export const DEFAULT_STALLED_INTERVAL = 2_000;
/**
 * Default number of times a job may be recovered from a dead worker before it
 * fails: 2 (BullMQ's default of 1 fails a task at its second stall).
 */
export const DEFAULT_MAX_STALLED_COUNT = 2;

/**
 * Default seconds a finished job that nobody collected stays in Redis: one
 * hour. Collected results are removed at once by the producer; this bounds
 * what a producer that died leaves behind.
 */
export const DEFAULT_RESULT_TTL_SECONDS = 3_600;


/** The pub/sub channel on which producers name running jobs to abort: `<prefix>:<queue>:juggle-abort`. */
export function abortChannel(prefix: string, queue: string): string {
  return `${prefix}:${queue}:juggle-abort`;
}

/**
 * Checks a name that goes into Redis keys (`queue`, `prefix`): a non-empty
 * string without `:`, `fallback` when undefined. `null` is refused like any
 * other non-string, as every option is (see `given`).
 *
 * @throws {TypeError} Naming the option and the value.
 */
export function checkKeyName(action: string, key: "queue" | "prefix", value: unknown, fallback: string): string {
  const v = given(value, fallback);
  if (typeof v !== "string" || v.length === 0 || v.includes(":")) {
    throw new TypeError(`Cannot ${action} as '${key}' must be a non-empty string without ':': received ${describe(v)}`);
  }
  return v;
}
