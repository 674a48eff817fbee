/**
 * The polite crawl: requests spread over several hosts, each host limited to
 * a few requests in flight and a number of starts per interval with
 * juggle-core's `KeyedLimiter`, and every `429 Too Many Requests` retried
 * with `retry` after the `Retry-After` the host asked for. Several delay
 * servers on different ports stand in for the hosts; every host gets the
 * same undici client as the crawl experiment.
 *
 * @module
 */
import { KeyedLimiter, parseRetryAfter, type RateLimiterOptions, retry } from "juggle-core";
import { CrawlClient } from "./crawl-client.js";

/** A host's answer `429 Too Many Requests`, with the wait it asked for. */
export class TooManyRequestsError extends Error {
  /** Milliseconds to wait before asking again (from `Retry-After`), read by `retry`. */
  readonly retryAfter: number | undefined;

  constructor(origin: string, retryAfter: number | undefined) {
    super(`Cannot fetch from ${origin} now as it answered 429 Too Many Requests (Retry-After: ${retryAfter === undefined ? "none" : `${retryAfter} ms`})`);
    this.name = "TooManyRequestsError";
    this.retryAfter = retryAfter;
  }
}

/** What {@link politeCrawl} is asked to do. */
export interface PoliteSpec {
  /** One `http://host:port` per host. */
  origins: readonly string[];
  /** Requests per host. */
  requests: number;
  /** Server delay per request, ms. */
  delay: number;
  /** Requests of one host in flight at once. */
  concurrency: number;
  /** Starts of one host per interval. */
  rate: RateLimiterOptions;
  /** Retries of one request after 429s. Default 20. */
  retries?: number;
  onAnswer?: () => void;
  signal?: AbortSignal;
}

/** One host's side of the crawl, as the client saw it. */
export interface PoliteHostRun {
  origin: string;
  /** Requests answered 200. */
  answered: number;
  /** 429 answers received. */
  tooMany: number;
  /** Attempts beyond the first. */
  retries: number;
}

/** What {@link politeCrawl} returns. */
export interface PoliteRun {
  ms: number;
  hosts: PoliteHostRun[];
}

/**
 * Fetches `requests` named delays from every host at once, through one
 * `KeyedLimiter` keyed by host; a 429 fails the attempt with a
 * {@link TooManyRequestsError} carrying the parsed `Retry-After`, and `retry`
 * waits that long before the attempt queues at the limiter again (the wait
 * holds no slot). The request is named `<host index>-<request index>` on
 * every attempt, so the servers' logs show which 429 each retry follows.
 *
 * Python: a dict of `asyncio.Semaphore` per host plus tenacity's retry, as crawlers write by hand.
 *
 * @throws {Error} The first request that fails otherwise (another status, a network error, or retries exhausted).
 * @example
 * ```ts
 * const run = await politeCrawl({ origins: [a.url, b.url], requests: 10, delay: 10, concurrency: 2, rate: { limit: 5, interval: 250 } });
 * ```
 */
export async function politeCrawl(spec: PoliteSpec): Promise<PoliteRun> {
  const limiter = new KeyedLimiter({ concurrency: spec.concurrency, rate: spec.rate });
  const clients = spec.origins.map((origin) => new CrawlClient(origin, { connections: spec.concurrency }));
  const hosts: PoliteHostRun[] = spec.origins.map((origin) => ({ origin, answered: 0, tooMany: 0, retries: 0 }));
  const stop = new AbortController();
  const signal = spec.signal === undefined ? stop.signal : AbortSignal.any([spec.signal, stop.signal]);
  try {
    // One unlogged request per host first: undici compiles its HTTP parser and
    // opens a connection on first use (tens of ms), which would hold back the
    // first requests' arrival and bunch them up with later ones at the server.
    await Promise.all(clients.map((c) => c.get("/", signal)));
    const started = performance.now();
    const fetchOne = async (h: number, i: number): Promise<void> => {
      const client = clients[h] as CrawlClient;
      const host = hosts[h] as PoliteHostRun;
      await retry(
        async (attempt, attemptSignal) => {
          if (attempt > 1) host.retries++;
          const res = await limiter.run(host.origin, (s) => client.get(`/add?name=${h}-${i}&delay=${spec.delay}`, s), { signal: attemptSignal });
          if (res.status === 429) {
            host.tooMany++;
            throw new TooManyRequestsError(host.origin, parseRetryAfter(res.retryAfter));
          }
          if (res.status !== 200) throw new Error(`Cannot fetch from ${host.origin} as it answered ${res.status}: ${res.body.slice(0, 200)}`);
        },
        { retries: spec.retries ?? 20, retryIf: (error) => error instanceof TooManyRequestsError, signal },
      );
      host.answered++;
      spec.onAnswer?.();
    };
    // The first failure stops the others; every request has settled before the clients close.
    const settled = await Promise.allSettled(
      hosts.flatMap((_, h) =>
        Array.from({ length: spec.requests }, (_, i) =>
          fetchOne(h, i).catch((error: unknown) => {
            if (!stop.signal.aborted) stop.abort(error);
            throw error;
          }),
        ),
      ),
    );
    if (stop.signal.aborted) throw stop.signal.reason;
    const failed = settled.find((r) => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    return { ms: performance.now() - started, hosts };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
