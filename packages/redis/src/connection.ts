/**
 * Redis connection options of the distributed layer, normalised once, and the
 * probe that turns an unreachable server into a clear error in bounded time.
 *
 * ioredis retries a lost connection forever by default and queues commands
 * meanwhile, so a wrong URL hangs a caller instead of failing it. juggle probes
 * the server once (bounded by `connectTimeout`) before it starts BullMQ; after
 * that, connections retry with a capped backoff so that a Redis restart is
 * survived rather than fatal.
 *
 * @module
 */
import type { ConnectionOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { JuggleError } from "juggle-core";
import { checkMilliseconds, clearLongTimeout, describe, registerErrorClass, setLongTimeout, TIMER_MAX } from "juggle-core/executor";

/**
 * Where Redis is: a URL (`redis://[:password@]host:port/db`, `rediss://` for
 * TLS) or ioredis options (`host`, `port`, `password`, `username`, `db`, `tls`…),
 * optionally with a `url` field that the other options refine.
 */
export type RedisConnection = string | (RedisOptions & { url?: string });

/** Default milliseconds allowed to reach Redis before failing: 5,000. */
export const DEFAULT_CONNECT_TIMEOUT = 5_000;

/**
 * Redis could not be reached (wrong URL, server down, bad password, TLS
 * mismatch) within the connect timeout. `code` is
 * `"ERR_JUGGLE_REDIS_UNREACHABLE"`; `cause` is the driver's error.
 *
 * Python: `redis.exceptions.ConnectionError`.
 *
 * @example Failing fast on a wrong URL
 * ```ts
 * import { RedisPool, RedisUnreachableError } from "juggle-redis";
 * const pool = new RedisPool({ connection: "redis://127.0.0.1:1", connectTimeout: 1000 });
 * try {
 *   await pool.ready();
 * } catch (error) {
 *   if (error instanceof RedisUnreachableError) console.error(error.message);
 * } finally {
 *   await pool.terminate();
 * }
 * ```
 */
export class RedisUnreachableError extends JuggleError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_JUGGLE_REDIS_UNREACHABLE", options);
    this.name = "RedisUnreachableError";
  }
}
// Rebuilt as itself when it crosses a boundary (a task that uses Redis and
// runs in a pool's worker or on a Redis worker).
registerErrorClass(RedisUnreachableError);

/** Normalised connection: the URL (if any) and ioredis options. */
export interface ConnectionSpec {
  url: string | undefined;
  options: RedisOptions;
  /** How long the first connection may take, in ms (`Infinity`: no limit). */
  connectTimeout: number;
  /** For messages: the URL without its password, or host:port. */
  label: string;
}

/** Checks and normalises a {@link RedisConnection}. */
export function connectionSpec(action: string, connection: unknown, connectTimeout: number): ConnectionSpec {
  checkMilliseconds(action, "connectTimeout", connectTimeout, { positive: true, allowInfinity: true });
  let url: string | undefined;
  let rest: RedisOptions = {};
  if (typeof connection === "string") {
    url = connection;
  } else if (connection !== null && typeof connection === "object" && !Array.isArray(connection)) {
    const { url: u, ...others } = connection as RedisOptions & { url?: unknown };
    if (u !== undefined && typeof u !== "string") {
      throw new TypeError(`Cannot ${action} as 'connection.url' must be a string: received ${describe(u)}`);
    }
    url = u;
    rest = others;
  } else {
    throw new TypeError(
      `Cannot ${action} as 'connection' must be a Redis URL or ioredis options: received ${describe(connection)}`,
    );
  }
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`Cannot ${action} as 'connection' must be a valid redis:// or rediss:// URL: received ${describe(url)}`);
    }
    if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
      throw new TypeError(`Cannot ${action} as 'connection' must be a redis:// or rediss:// URL: received ${describe(url)}`);
    }
  }
  // ioredis arms one plain timer, which Node would clamp to 1 ms beyond
  // TIMER_MAX: longer limits (and none) are left to our own chained timer.
  const options: RedisOptions = { connectTimeout: connectTimeout > TIMER_MAX ? 0 : connectTimeout, ...rest };
  const limit = typeof rest.connectTimeout === "number" && rest.connectTimeout > 0 ? rest.connectTimeout : connectTimeout;
  return { url, options, connectTimeout: limit, label: label(url, options) };
}

function label(url: string | undefined, options: RedisOptions): string {
  if (url !== undefined) {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  }
  return `${options.host ?? "127.0.0.1"}:${options.port ?? 6379}`;
}

/** Reconnect delays after a lost connection: 50 ms doubling to 2 s, forever. */
function reconnectDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2_000);
}

/**
 * A long-lived ioredis client that survives a Redis restart: reconnects with
 * a capped backoff, and resends commands queued meanwhile.
 */
export function createClient(spec: ConnectionSpec, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = { retryStrategy: reconnectDelay, ...spec.options, ...extra };
  return spec.url === undefined ? new Redis(options) : new Redis(spec.url, options);
}

/**
 * Connects once and sends PING; rejects with {@link RedisUnreachableError}
 * within about `connectTimeout` ms when Redis cannot be reached.
 */
export async function probe(spec: ConnectionSpec, action: string): Promise<void> {
  const timeout = spec.connectTimeout;
  const client = createClient(spec, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  // Errors are reported through the rejected connect()/ping(); without a
  // listener ioredis would also print them.
  let lastError: Error | undefined;
  client.on("error", (error: Error) => {
    lastError = error;
  });
  let timer: ReturnType<typeof setLongTimeout> | undefined;
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      new Promise<never>((_, reject) => {
        timer = setLongTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout + 500);
      }),
    ]);
  } catch (error) {
    // connect() rejects with "Connection is closed"; the reason (refused,
    // timed out, bad password…) came with the last "error" event.
    const cause = lastError ?? error;
    throw new RedisUnreachableError(
      `Cannot ${action} as Redis at ${spec.label} is unreachable: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
  } finally {
    clearLongTimeout(timer);
    client.disconnect();
  }
}

/**
 * Connection options for a BullMQ `Worker` or `QueueEvents`, which open their
 * own (blocking) connections: same reconnection policy as {@link createClient}.
 */
export function bullConnection(spec: ConnectionSpec): ConnectionOptions {
  return {
    retryStrategy: reconnectDelay,
    ...spec.options,
    ...(spec.url === undefined ? {} : { url: spec.url }),
    maxRetriesPerRequest: null,
  } as ConnectionOptions;
}
