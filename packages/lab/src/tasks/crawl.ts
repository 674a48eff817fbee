/**
 * The crawl's pool tasks: a serial fetcher that runs inside a worker thread
 * or a child process, one request per task, on a keep-alive connection the
 * worker keeps between tasks (Python's `ThreadPool` of blocking `requests`
 * calls, the roadmap article's I/O-bound table), with the same client as
 * every other crawl variant.
 *
 * @module
 */
import { CrawlClient } from "../crawl-client.js";

/** One client per origin in this worker: one socket, reused by every task. */
const clients = new Map<string, CrawlClient>();

/** What a fetch reports: epoch times so the lab can put every worker on one time line. */
export interface FetchReport {
  startEpoch: number;
  endEpoch: number;
  status: number;
  bytes: number;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

/** One request of the crawl. */
export interface FetchJob {
  origin: string;
  path: string;
}

/** Fetches `origin + path` and waits for the answer: one request, serially. */
export async function fetchOne({ origin, path }: FetchJob): Promise<FetchReport> {
  let client = clients.get(origin);
  if (client === undefined) {
    client = new CrawlClient(origin, { connections: 1 });
    clients.set(origin, client);
  }
  const startEpoch = epochNow();
  const res = await client.get(path);
  return { startEpoch, endEpoch: epochNow(), status: res.status, bytes: res.body.length };
}

/** Does nothing: starts a worker and loads this module before the clock starts. */
export function ready(): boolean {
  return true;
}
