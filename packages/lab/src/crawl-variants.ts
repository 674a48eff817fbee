/**
 * The crawl's variants: the same N requests to the delay server, fetched
 * serially, with callbacks, with promises behind a semaphore, with juggle's
 * `map`, with the `AdaptiveLimiter`, with pools of serial fetchers, and (as
 * the anchor) with p-limit. Every variant uses the same client
 * ({@link CrawlClient}, undici's Pool), so rows differ only by concurrency
 * model. Each returns one record per request, with its start and end on one
 * clock, from which the lab draws the book's chronology figures.
 *
 * @module
 */
import { AdaptiveLimiter, type Executor, map, ProcessPool, Semaphore, ThreadPool, type TraceRecorder, tasks } from "juggle-core";
import pLimit from "p-limit";
import { CrawlClient, type HttpResponse } from "./crawl-client.js";

const crawlTasks = tasks<typeof import("./tasks/crawl.js")>(new URL("./tasks/crawl.js", import.meta.url));

/** One request: when it was sent and answered, ms from the variant's start. */
export interface RequestRecord {
  index: number;
  start: number;
  end: number;
  ok: boolean;
  bytes: number;
}

/** What a variant needs. */
export interface CrawlSpec {
  /** `http://127.0.0.1:port` of the delay server. */
  origin: string;
  /** Variant name, used as the `name` parameter (the server logs it). */
  name: string;
  requests: number;
  /** Server delay per request, ms. */
  delay: number;
  /** Requests in flight at most. */
  concurrency: number;
  /** Called after each answer. */
  onAnswer?: () => void;
  signal?: AbortSignal;
  /** Pool variants: workers, and the recorder the pool records its tasks in. */
  workers?: number;
  trace?: TraceRecorder;
}

/** What a variant returns. */
export interface CrawlRun {
  records: RequestRecord[];
  /** Wall time from the first request to the last answer, ms. */
  ms: number;
  /** When the clock started (the records' 0), epoch ms: the delay server's log is on this clock. */
  t0Epoch: number;
  /** Sockets the client opened. */
  connections: number;
  /** Extra facts (e.g. the adaptive limit reached). */
  extra?: Record<string, number>;
  /** The variant recorded its own trace events in `spec.trace`. */
  traced?: boolean;
}

/** The URL path of request `i` (random letters defeat caches, as in the book's `generate_urls`). */
export function requestPath(spec: CrawlSpec, i: number): string {
  const salt = Math.random().toString(36).slice(2, 12);
  return `/add?name=${encodeURIComponent(spec.name)}-${i}&delay=${spec.delay}&${salt}`;
}

/** The crawl's client, one connection per request in flight. */
export function clientFor(spec: CrawlSpec, concurrency = spec.concurrency): CrawlClient {
  return new CrawlClient(spec.origin, { connections: concurrency });
}

/** Times `body` and collects records through the `fetchOne` it is given. */
async function measure(
  spec: CrawlSpec,
  body: (fetchOne: (i: number, get: (path: string) => Promise<HttpResponse>) => Promise<number>) => Promise<void>,
): Promise<{ records: RequestRecord[]; ms: number; t0Epoch: number }> {
  const records: RequestRecord[] = [];
  const t0 = performance.now();
  const fetchOne = async (i: number, get: (path: string) => Promise<HttpResponse>): Promise<number> => {
    spec.signal?.throwIfAborted();
    const start = performance.now() - t0;
    const res = await get(requestPath(spec, i));
    records.push({ index: i, start, end: performance.now() - t0, ok: res.status === 200, bytes: res.body.length });
    spec.onAnswer?.();
    if (res.status !== 200) throw new Error(`Cannot crawl as request ${i} got status ${res.status}: ${res.body}`);
    return res.body.length;
  };
  await body(fetchOne);
  return { records, ms: performance.now() - t0, t0Epoch: performance.timeOrigin + t0 };
}

const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** One request after another (HPP Example 8-3). */
export async function crawlSerial(spec: CrawlSpec): Promise<CrawlRun> {
  const client = clientFor(spec, 1);
  try {
    const { records, ms, t0Epoch } = await measure(spec, async (fetchOne) => {
      for (let i = 0; i < spec.requests; i++) await fetchOne(i, (p) => client.get(p));
    });
    return { records, ms, t0Epoch, connections: client.connectionsOpened };
  } finally {
    await client.close();
  }
}

/**
 * Callbacks only, "callback hell" style ("Non-sequential Python"): each answer's callback
 * starts the next request, `concurrency` chains at once, and a counter
 * tells when the last one is done.
 */
export function crawlCallbacks(spec: CrawlSpec): Promise<CrawlRun> {
  const client = clientFor(spec);
  return new Promise<CrawlRun>((resolve, reject) => {
    const records: RequestRecord[] = [];
    const t0 = performance.now();
    let next = 0;
    let answered = 0;
    let failed = false;
    const finish = (error?: Error): void => {
      const ms = performance.now() - t0;
      client.close().then(
        () => (error !== undefined ? reject(error) : resolve({ records, ms, t0Epoch: performance.timeOrigin + t0, connections: client.connectionsOpened })),
        reject,
      );
    };
    const fetchNext = (): void => {
      if (failed || next >= spec.requests) return;
      const i = next++;
      const start = performance.now() - t0;
      client.getCallback(
        requestPath(spec, i),
        (error, res) => {
          if (failed) return;
          if (error !== null || res === undefined || res.status !== 200 || spec.signal?.aborted) {
            failed = true;
            finish(error ?? (spec.signal?.reason as Error | undefined) ?? new Error(`Cannot crawl as request ${i} got status ${res?.status}`));
            return;
          }
          records.push({ index: i, start, end: performance.now() - t0, ok: true, bytes: res.body.length });
          spec.onAnswer?.();
          if (++answered === spec.requests) finish();
          else fetchNext();
        },
        spec.signal,
      );
    };
    for (let k = 0; k < Math.min(spec.concurrency, spec.requests); k++) fetchNext();
    if (spec.requests === 0) finish();
  });
}

/** A promise per request, all started at once, behind a semaphore (HPP's gevent/asyncio Examples 8-4, 8-8). */
export async function crawlSemaphore(spec: CrawlSpec): Promise<CrawlRun> {
  const client = clientFor(spec);
  const semaphore = new Semaphore(spec.concurrency);
  try {
    const { records, ms, t0Epoch } = await measure(spec, async (fetchOne) => {
      await Promise.all(indices(spec.requests).map((i) => semaphore.withPermit(() => fetchOne(i, (p) => client.get(p)))));
    });
    return { records, ms, t0Epoch, connections: client.connectionsOpened };
  } finally {
    await client.close();
  }
}

/** juggle's `map` with a concurrency limit. */
export async function crawlMap(spec: CrawlSpec): Promise<CrawlRun> {
  const client = clientFor(spec);
  try {
    const { records, ms, t0Epoch } = await measure(spec, async (fetchOne) => {
      await map(indices(spec.requests), (i) => fetchOne(i, (p) => client.get(p)), {
        concurrency: spec.concurrency,
        ordered: false,
        signal: spec.signal,
      }).toArray();
    });
    return { records, ms, t0Epoch, connections: client.connectionsOpened };
  } finally {
    await client.close();
  }
}

/** `map` at `concurrency`, throttled by an `AdaptiveLimiter` that finds the limit itself (from 4). */
export async function crawlAdaptive(spec: CrawlSpec): Promise<CrawlRun> {
  const client = clientFor(spec);
  const limiter = new AdaptiveLimiter({ min: 1, max: spec.concurrency });
  let peak = 0;
  try {
    const { records, ms, t0Epoch } = await measure(spec, async (fetchOne) => {
      await map(
        indices(spec.requests),
        (i) =>
          limiter.run(() => {
            peak = Math.max(peak, limiter.inFlight);
            return fetchOne(i, (p) => client.get(p));
          }),
        { concurrency: spec.concurrency, ordered: false, signal: spec.signal },
      ).toArray();
    });
    return { records, ms, t0Epoch, connections: client.connectionsOpened, extra: { finalLimit: limiter.limit, peakInFlight: peak } };
  } finally {
    await client.close();
  }
}

/** Anchor: p-limit, the usual Node.js limiter, with the same client. */
export async function crawlPLimit(spec: CrawlSpec): Promise<CrawlRun> {
  const client = clientFor(spec);
  const limit = pLimit(spec.concurrency);
  try {
    const { records, ms, t0Epoch } = await measure(spec, async (fetchOne) => {
      await Promise.all(indices(spec.requests).map((i) => limit(() => fetchOne(i, (p) => client.get(p)))));
    });
    return { records, ms, t0Epoch, connections: client.connectionsOpened };
  } finally {
    await client.close();
  }
}

/**
 * A pool of `workers` serial fetchers (threads or processes): each worker
 * runs one request at a time, so `workers` are in flight (Python's
 * `ThreadPool` of blocking fetches, as in the roadmap article). The pool is started and its
 * workers have loaded the task module before the clock starts, as the book
 * builds its `Pool` first.
 */
async function crawlPool(spec: CrawlSpec, pool: Executor, workers: number): Promise<CrawlRun> {
  try {
    await pool.map(crawlTasks.ready, Array.from({ length: workers * 2 }, () => undefined), { chunksize: 1 });
    spec.trace?.clear();
    const t0 = performance.now();
    const t0Epoch = performance.timeOrigin + t0;
    const jobs = indices(spec.requests).map((i) => ({ origin: spec.origin, path: requestPath(spec, i) }));
    const records: RequestRecord[] = [];
    let index = 0;
    for await (const report of pool.imap(crawlTasks.fetchOne, jobs, { chunksize: 1, signal: spec.signal })) {
      const i = index++;
      records.push({ index: i, start: report.startEpoch - t0Epoch, end: report.endEpoch - t0Epoch, ok: report.status === 200, bytes: report.bytes });
      spec.onAnswer?.();
      if (report.status !== 200) throw new Error(`Cannot crawl as request ${i} got status ${report.status}`);
    }
    return { records, ms: performance.now() - t0, t0Epoch, connections: workers, traced: spec.trace !== undefined };
  } finally {
    await pool.terminate();
  }
}

/** `ThreadPool` of serial fetchers. */
export function crawlThreads(spec: CrawlSpec): Promise<CrawlRun> {
  const workers = spec.workers ?? spec.concurrency;
  return crawlPool(spec, new ThreadPool({ workers, trace: spec.trace }), workers);
}

/** `ProcessPool` of serial fetchers. */
export function crawlProcesses(spec: CrawlSpec): Promise<CrawlRun> {
  const workers = spec.workers ?? spec.concurrency;
  return crawlPool(spec, new ProcessPool({ workers, trace: spec.trace }), workers);
}
