/**
 * The polite crawl's Python side: `python/polite.py` (asyncio, a semaphore
 * and a sliding-window rate limiter per host, retries after `Retry-After`,
 * standard library only) against the same hosts as juggle's run.
 *
 * @module
 */
import type { PoliteRun } from "./polite-crawl.js";
import type { PythonInfo } from "./python.js";
import { isPythonResult, pythonAnswer } from "./python/run-python.js";

/** How the report labels Python's client. */
export const PYTHON_POLITE_CLIENT = "asyncio, an asyncio.Semaphore and a sliding-window rate limiter per host, a hand-written HTTP/1.1 GET on asyncio streams (one connection per request)";

/** What `polite.py` is asked to do: the same hosts, sizes and limits as juggle's run. */
export interface PythonPoliteSpec {
  origins: readonly string[];
  requests: number;
  delay: number;
  concurrency: number;
  /** Starts of one host per interval. */
  limit: number;
  /** The rate limit's interval, ms. */
  interval: number;
}

/**
 * Runs `python/polite.py` and reads its answer as a {@link PoliteRun} (one
 * host per row, in the order of `spec.origins`).
 *
 * @param python The interpreter, from `findPython()`.
 * @param spec The hosts, sizes and limits of juggle's run.
 * @param signal Aborting kills the program.
 * @throws {Error} When the program fails, times out or prints no result.
 *
 * Python: the program itself is the port (an `asyncio.Semaphore` plus a hand-written rate limiter per host, as crawlers write by hand).
 *
 * @example Crawling one host from Python
 * ```ts
 * await using host = await DelayServer.start({ tooManyRequests: { share: 0.2, retryAfter: 1 } });
 * const run = await runPythonPolite(findPython()!, { origins: [host.url], requests: 10, delay: 10, concurrency: 2, limit: 5, interval: 250 });
 * console.log(run.ms, run.hosts[0]?.answered); // …, 10
 * ```
 */
export async function runPythonPolite(python: PythonInfo, spec: PythonPoliteSpec, signal?: AbortSignal): Promise<PoliteRun> {
  const answer = await pythonAnswer(python.command, "polite", { ...spec, origins: [...spec.origins] }, { signal, accept: isPythonResult });
  const hosts = answer.rows.map((r) => ({
    origin: r.label,
    answered: Number(r.answer.answered),
    tooMany: Number(r.answer.tooMany),
    retries: Number(r.answer.retries),
  }));
  if (hosts.length !== spec.origins.length) throw new Error(`Cannot read polite.py's answer as it has ${hosts.length} hosts: expected ${spec.origins.length}`);
  return { ms: (answer.rows[0]?.times[0] ?? Number.NaN) * 1000, hosts };
}
