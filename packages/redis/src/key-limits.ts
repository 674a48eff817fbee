/**
 * Per-key limits across machines: at most `concurrency` jobs of a key
 * running at once and at most `rate.limit` starts of a key per
 * `rate.interval`, whatever the number of producers and workers.
 *
 * BullMQ's free edition has no group concurrency or group rate limit, so the
 * limits live in two sorted sets per key, changed only by Lua scripts (atomic
 * in Redis) that read Redis's own clock (`TIME`): the machines' clocks never
 * matter.
 *
 *     <prefix>:<queue>:key:<key>:run     member job id, score = lease end (ms)
 *     <prefix>:<queue>:key:<key>:starts  member job id + start, score = start (ms)
 *
 * A worker takes a slot before it runs a keyed job and gives it back after;
 * while the job runs it renews the slot's lease every half lease. A worker
 * that dies (SIGKILL) stops renewing: its slot lapses after one lease (the
 * job lock's duration), by the time BullMQ's stalled-job check hands the job
 * to another worker, and is never held forever. A job that finds no room is
 * moved to BullMQ's delayed set until its key may have room (the exact wait
 * for a rate; a short random wait for a full key), freeing the worker for
 * other keys' jobs meanwhile.
 *
 * @module
 */
import type { Redis } from "ioredis";
import { checkInteger, checkOptions, describe, TIMER_MAX } from "juggle-core/executor";
import { RateLimiter } from "juggle-core";

/** The `keys` option of `RedisPool`: limits every key of the pool's jobs shares. */
export interface KeyLimitsOptions {
  /** Jobs of one key running at once, across every worker: a positive integer. Default: no limit. */
  concurrency?: number;
  /** Starts of one key per interval (sliding window), across every worker. */
  rate?: { limit: number; interval: number };
}

/** The limits as a job carries them: `[concurrency (0: none), rate limit (0: none), rate interval ms]`. */
export type KeyLimitsData = [number, number, number];

/**
 * Checks the `keys` option of a pool.
 *
 * @throws {TypeError | RangeError} Naming the bad option.
 */
export function checkKeyLimits(action: string, value: unknown): KeyLimitsData | undefined {
  if (value === undefined) return undefined;
  const o = checkOptions<KeyLimitsOptions>(action, value);
  const concurrency = o.concurrency === undefined ? 0 : checkInteger(action, "keys.concurrency", o.concurrency, { min: 1 });
  let limit = 0;
  let interval = 0;
  if (o.rate !== undefined) {
    // The core's RateLimiter names a bad limit or interval.
    const rate = new RateLimiter(checkOptions<{ limit: number; interval: number }>(action, o.rate) as { limit: number; interval: number });
    limit = rate.limit;
    interval = Math.ceil(rate.interval);
  }
  if (concurrency === 0 && limit === 0) {
    throw new TypeError(`Cannot ${action} as 'keys' must set 'concurrency' or 'rate': received ${describe(value)}`);
  }
  return [concurrency, limit, interval];
}

/**
 * Checks a job's key and returns it as Redis stores it (a number as its
 * decimal string: `1` and `"1"` are one key).
 */
export function checkKey(action: string, key: unknown): string {
  if (typeof key === "string" && key.length > 0) return key;
  if (typeof key === "number" && Number.isFinite(key)) return String(key);
  throw new TypeError(`Cannot ${action} as 'key' must be a non-empty string or a finite number: received ${describe(key)}`);
}

// ARGV: job id, concurrency (0: none), rate limit (0: none), interval, lease.
// Returns 0 when the slot is taken, -1 when the key is at its concurrency,
// else the ms until the rate window has room.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, concurrency, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local interval, lease = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local mine = redis.call('ZSCORE', KEYS[1], id)
if concurrency > 0 and not mine and redis.call('ZCARD', KEYS[1]) >= concurrency then return -1 end
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - interval)
  if redis.call('ZCARD', KEYS[2]) >= limit then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return math.max(1, tonumber(oldest[2]) + interval - now)
  end
  redis.call('ZADD', KEYS[2], now, id .. ':' .. t[1] .. ':' .. t[2])
  redis.call('PEXPIRE', KEYS[2], interval)
end
redis.call('ZADD', KEYS[1], now + lease, id)
redis.call('PEXPIRE', KEYS[1], lease)
return 0
`;

// ARGV: job id, lease. Extends a held slot's lease (and the set's expiry).
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return 0
`;

type Scripted = Redis & {
  juggleKeyAcquire(run: string, starts: string, ...args: (string | number)[]): Promise<number>;
  juggleKeyRenew(run: string, id: string, lease: number): Promise<number>;
};

/** The Redis keys of one key's limits. */
function keysOf(prefix: string, queue: string, key: string): [string, string] {
  const base = `${prefix}:${queue}:key:${key}`;
  return [`${base}:run`, `${base}:starts`];
}

/** A worker's side of the key limits: takes, renews and gives back slots. */
export class KeySlots {
  readonly #client: Scripted;
  readonly #prefix: string;
  readonly #queue: string;
  readonly #lease: number;

  /**
   * @param client A connection of the worker's own (not in subscriber mode).
   * @param lease Ms a slot is held without renewal: the job lock's duration.
   */
  constructor(client: Redis, prefix: string, queue: string, lease: number) {
    client.defineCommand("juggleKeyAcquire", { numberOfKeys: 2, lua: ACQUIRE });
    client.defineCommand("juggleKeyRenew", { numberOfKeys: 1, lua: RENEW });
    this.#client = client as Scripted;
    this.#prefix = prefix;
    this.#queue = queue;
    this.#lease = Math.ceil(lease);
  }

  /**
   * Takes a slot of `key` for job `id`.
   *
   * @returns 0 when taken; otherwise ms to wait before trying again.
   */
  async acquire(id: string, key: string, [concurrency, limit, interval]: KeyLimitsData): Promise<number> {
    const [run, starts] = keysOf(this.#prefix, this.#queue, key);
    const answer = Number(await this.#client.juggleKeyAcquire(run, starts, id, concurrency, limit, interval, this.#lease));
    // A full key: no one can tell when a slot frees, so come back soon, at a
    // random moment (jobs of one key that wait together do not retry in step).
    return answer === -1 ? 25 + Math.floor(Math.random() * 100) : answer;
  }

  /** Renews job `id`'s slot every half lease until the returned function is called, which gives the slot back. */
  hold(id: string, key: string): () => Promise<void> {
    const [run] = keysOf(this.#prefix, this.#queue, key);
    const timer = setInterval(() => {
      this.#client.juggleKeyRenew(run, id, this.#lease).catch(() => {});
      // Capped at Node's longest timer: a longer interval would fire every millisecond.
    }, Math.min(this.#lease / 2, TIMER_MAX));
    timer.unref();
    return async () => {
      clearInterval(timer);
      await this.#client.zrem(run, id);
    };
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.#client.quit().catch(() => this.#client.disconnect());
  }
}
