/**
 * `crawl`: HPP chapter 8's web crawler against the delay server — N
 * requests that each wait `delay` ms on the server, fetched serially, with
 * callbacks, with promises behind a semaphore, with juggle's `map`, with the
 * `AdaptiveLimiter`, and with two anchors (undici + p-limit, global `fetch`
 * + p-limit); then a concurrency sweep (the book's Figure 8-3).
 *
 * @module
 */
import type { TraceRecorder } from "juggle-core";
import {
  type CrawlRun,
  type CrawlSpec,
  crawlAdaptive,
  crawlCallbacks,
  crawlFetch,
  crawlMap,
  crawlProcesses,
  crawlSemaphore,
  crawlSerial,
  crawlThreads,
  crawlUndici,
} from "../crawl-variants.js";
import { type ChartSpec, defineExperiment, type ResultTable } from "../experiment.js";

interface Variant {
  key: string;
  label: string;
  /** How the book or the seeds do it. */
  like: string;
  run: (spec: CrawlSpec) => Promise<CrawlRun>;
  serial?: boolean;
  pool?: boolean;
  anchor?: boolean;
  chronology?: boolean;
}

const variants: Variant[] = [
  { key: "serial", label: "serial", like: "HPP Example 8-3 (requests)", run: crawlSerial, serial: true, chronology: true },
  { key: "callbacks", label: "callbacks", like: "seed 001's callback style, HPP Example 8-6 (tornado)", run: crawlCallbacks, chronology: true },
  { key: "semaphore", label: "promises + Semaphore", like: "HPP Examples 8-4 (gevent) and 8-8 (asyncio)", run: crawlSemaphore, chronology: true },
  { key: "map", label: "juggle map", like: "gevent's Pool.imap, asyncio.as_completed", run: crawlMap, chronology: true },
  { key: "adaptive", label: "AdaptiveLimiter", like: "Figure 8-3's sweep, done live", run: crawlAdaptive, chronology: true },
  { key: "threads", label: "ThreadPool of serial fetchers", like: "Python's ThreadPool of blocking requests (seed 000)", run: crawlThreads, pool: true, chronology: true },
  { key: "processes", label: "ProcessPool of serial fetchers", like: "multiprocessing.Pool of blocking requests (seed 000)", run: crawlProcesses, pool: true },
  { key: "undici", label: "undici Pool + p-limit (anchor)", like: "the usual Node.js way", run: crawlUndici, anchor: true },
  { key: "fetch", label: "fetch + p-limit (anchor)", like: "the simplest Node.js way", run: crawlFetch, anchor: true },
];

const r2 = (x: number): number => Math.round(x * 100) / 100;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Most lines in one chronology chart (a bigger crawl is sampled evenly). */
const MAX_SPANS = 2000;

/** At most `max` items, evenly spaced, first and last kept. */
function sample<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => items[Math.round(i * step)] as T);
}

/** The best time the crawl can take: full waves of `concurrency` requests. */
export function idealMs(requests: number, concurrency: number, delay: number): number {
  return Math.ceil(requests / Math.max(1, concurrency)) * delay;
}

export default defineExperiment({
  name: "crawl",
  title: "Crawling a slow server",
  description: "N requests that each wait on the server: serial vs callbacks vs promises vs map vs AdaptiveLimiter; concurrency sweep",
  source: "HPP ch. 8, seeds 000 and 001",
  flags: {
    requests: { type: "integer", default: 500, quick: 40, min: 1, max: 100_000, description: "requests per concurrent variant" },
    delay: { type: "integer", default: 100, quick: 20, min: 0, max: 10_000, description: "server delay per request, ms" },
    concurrency: { type: "integer", default: 100, quick: 10, min: 1, max: 10_000, description: "requests in flight" },
    serialRequests: { type: "integer", default: 50, quick: 8, min: 1, max: 100_000, description: "requests of the serial variant (it takes serialRequests x delay)" },
    poolRequests: { type: "integer", default: 100, quick: 8, min: 1, max: 100_000, description: "requests of the pool variants (they take poolRequests / workers x delay)" },
    workers: { type: "integer", default: 4, quick: 2, min: 1, max: 256, description: "workers of the ThreadPool and ProcessPool variants (requests in flight)" },
    sweep: { type: "integers", default: [10, 25, 50, 100, 250, 500], quick: [5, 20, 40], min: 1, max: 10_000, description: "concurrency levels of the sweep (--no-sweep: none)" },
    anchors: { type: "boolean", default: true, quick: false, description: "also run undici + p-limit and fetch + p-limit" },
    maxSockets: { type: "integer", default: 8, min: 0, max: 10_000, description: "sockets at most; beyond, requests are pipelined (0: one socket per request in flight, as in the book)" },
  },
  async run(ctx) {
    const f = ctx.flags;
    const server = await ctx.delayServer();
    const rows: ResultTable["rows"] = [];
    const charts: ChartSpec[] = [];
    const chronologies: ChartSpec[] = [];
    const effByKey = new Map<string, number>();

    const runOne = async (
      name: string,
      fn: (spec: CrawlSpec) => Promise<CrawlRun>,
      requests: number,
      concurrency: number,
      trace: TraceRecorder | undefined,
      label: string,
      workers?: number,
    ): Promise<{ run: CrawlRun; answered: number; accepted: number }> => {
      await server.reset();
      const task = ctx.progress.task(`crawl: ${label}`, requests);
      const spec: CrawlSpec = {
        origin: server.url,
        name,
        requests,
        delay: f.delay,
        concurrency,
        maxSockets: f.maxSockets,
        onAnswer: () => task.tick(),
        signal: ctx.signal,
        workers,
        trace,
      };
      let run: CrawlRun;
      try {
        run = await fn(spec);
      } finally {
        task.done();
      }
      const log = await server.log();
      const answered = log.entries.filter((e) => e.kind === "add" && e.completedAt !== null).length;
      if (trace !== undefined && run.traced !== true) {
        for (const r of run.records) {
          trace.record({ id: r.index, name: `${name} ${r.index}`, worker: "main", queuedAt: 0, startedAt: r.start, endedAt: r.end, ok: r.ok });
        }
      }
      return { run, answered, accepted: log.connections };
    };

    for (const v of variants) {
      if (v.anchor === true && !f.anchors) continue;
      if (ctx.signal.aborted) break;
      const requests = v.serial ? f.serialRequests : v.pool ? f.poolRequests : f.requests;
      const concurrency = v.serial ? 1 : v.pool ? f.workers : f.concurrency;
      const { run, answered, accepted } = await runOne(v.key, v.run, requests, concurrency, ctx.trace(v.key), v.label, v.pool ? f.workers : undefined);
      const ideal = idealMs(requests, concurrency, f.delay);
      const eff = run.ms > 0 ? ideal / run.ms : 1;
      effByKey.set(v.key, eff);
      const extra = run.extra === undefined ? "" : Object.entries(run.extra).map(([k, x]) => `${k} ${x}`).join(", ");
      rows.push([v.label, requests, concurrency, r3(run.ms / 1000), r3(ideal / 1000), pct(eff), r2(run.ms / requests), accepted, answered === requests ? "yes" : `${answered}/${requests}`, extra || v.like]);
      if (v.chronology) {
        chronologies.push({
          kind: "chronology",
          title: `Chronology: ${v.label}`,
          figure: v.key === "serial" ? "HPP Figure 8-2" : v.key === "semaphore" ? "HPP Figures 8-4, 8-6" : v.key === "callbacks" ? "HPP Figure 8-5" : undefined,
          caption: v.serial
            ? `One line per request, from when it was sent to when its answer arrived. Serial requests never overlap: a staircase of ${requests} steps of ${f.delay} ms, so the run takes requests × delay (${r3(run.ms / 1000)} s here).`
            : v.pool
              ? `One line per request. Each of the ${f.workers} workers fetches one request at a time, so ${f.workers} are in flight: a staircase ${f.workers} requests wide, ${r3(run.ms / 1000)} s for ${requests} requests (${pct(eff)} of the ideal ${r3(ideal / 1000)} s). Python overlaps blocking I/O this way with a hundred cheap threads; Node workers are whole V8 instances, so a few is the practical number and async I/O is the better tool.`
              : v.key === "adaptive"
                ? `One line per request. The limiter starts at 4 requests in flight and doubles each round while latency stays flat (this server never queues), up to the cap of ${concurrency}: the first waves are narrow, which is the price of not knowing the right number in advance (${pct(eff)} of the ideal). Against a server that slows down when overloaded it would settle below the cap by itself.`
                : `One line per request. With ${concurrency} in flight, requests go in waves of ${concurrency}: the steeper and straighter the edges, the less time is lost between an answer and the next request. ${pct(eff)} of the ideal ${r3(ideal / 1000)} s.`,
          spans: sample([...run.records].sort((a, b) => a.start - b.start), MAX_SPANS).map((r) => ({ start: r2(r.start), end: r2(r.end), ok: r.ok })),
        });
      }
    }

    // Concurrency sweep (Figure 8-3), with juggle's map.
    const sweep: { c: number; ms: number; ideal: number; sockets: number }[] = [];
    for (const c of f.sweep) {
      if (ctx.signal.aborted) break;
      const { run, accepted } = await runOne(`sweep${c}`, crawlMap, f.requests, c, undefined, `sweep, ${c} in flight`);
      sweep.push({ c, ms: run.ms, ideal: idealMs(f.requests, c, f.delay), sockets: accepted });
    }

    const table: ResultTable = {
      title: `Crawl: ${f.requests} requests × ${f.delay} ms (serial: ${f.serialRequests}), ${f.concurrency} in flight`,
      columns: ["variant", "requests", "in flight", "runtime s", "ideal s", "efficiency", "ms/request", "connections", "all answered", "note"],
      rows,
      caption: "Ideal = ceil(requests / in flight) × delay. Efficiency = ideal / runtime. Connections = sockets the server accepted.",
    };
    const tables: ResultTable[] = [table];
    const bars = rows.map((row) => ({ label: String(row[0]), perRequest: Number(row[6]), eff: Number.parseFloat(String(row[5])) }));
    charts.push({
      kind: "bar",
      title: "Time per request by variant",
      caption: `Wall time divided by the number of requests (lower is better). The serial crawl pays the full ${f.delay} ms per request; every concurrent variant overlaps the waits and pays about ${r2(f.delay / f.concurrency)} ms (delay / in flight). Differences between the concurrent variants are client overhead: how quickly an answer is turned into the next request.`,
      labels: bars.map((b) => b.label),
      series: [{ label: "ms per request", values: bars.map((b) => b.perRequest) }],
      yLabel: "ms per request",
      logY: true,
    });
    charts.push({
      kind: "bar",
      title: "Efficiency against the ideal",
      caption: "Ideal time / measured time, per variant (100% = no time lost beyond the server's delay). Python's asyncio reaches about 95% at 100 in flight on this class of machine; the anchors show what the usual Node.js clients reach.",
      labels: bars.map((b) => b.label),
      series: [{ label: "efficiency %", values: bars.map((b) => b.eff) }],
      yLabel: "% of ideal",
    });
    charts.push(...chronologies);
    if (sweep.length > 0) {
      tables.push({
        title: `Concurrency sweep (juggle map, ${f.requests} requests × ${f.delay} ms)`,
        columns: ["in flight", "sockets", "runtime s", "ideal s", "efficiency"],
        rows: sweep.map((s) => [s.c, s.sockets, r3(s.ms / 1000), r3(s.ideal / 1000), pct(s.ideal / s.ms)]),
        caption:
          f.maxSockets > 0
            ? `Above ${f.maxSockets} in flight the lab client pipelines requests on ${f.maxSockets} sockets (HTTP/1.1 pipelining): the server still holds every request in flight at once, but far fewer connections are opened. --max-sockets 0 opens one socket per request in flight.`
            : "One socket per request in flight (--max-sockets 0).",
      });
      const best = sweep.reduce((a, b) => (b.ms < a.ms ? b : a));
      const last = sweep[sweep.length - 1] as (typeof sweep)[number];
      charts.push({
        kind: "line",
        title: "Finding the right number of concurrent requests",
        figure: "HPP Figure 8-3",
        caption: `Runtime of the crawl against the number of requests in flight (log scale), with the ideal ceil(N / c) × delay. More in flight is faster until the waits are all overlapped; the fastest here was ${best.c} in flight (${r3(best.ms / 1000)} s), and at ${last.c} in flight the crawl reached ${pct(last.ideal / last.ms)} of the ideal. The book found about 100 best for Python's event loops, which slow down as connections pile up; what separates the measured line from the ideal at high counts is the cost of setting up that many requests at once (connections, first writes), not the waiting.`,
        xLabel: "requests in flight",
        yLabel: "runtime (s)",
        logX: true,
        series: [
          { label: "measured", points: sweep.map((s) => [s.c, r3(s.ms / 1000)]) },
          { label: "ideal", points: sweep.map((s) => [s.c, r3(s.ideal / 1000)]) },
        ],
      });
      charts.push({
        kind: "line",
        title: "Efficiency of the sweep",
        caption: "Ideal / measured per concurrency level. The issue's targets on a 2-core machine: at least 95% at 100 in flight and 85% at 500 (Python's asyncio: 95% and 60%).",
        xLabel: "requests in flight",
        yLabel: "% of ideal",
        logX: true,
        yMin: 0,
        yMax: 100,
        series: [{ label: "efficiency", points: sweep.map((s) => [s.c, Math.round((s.ideal / s.ms) * 1000) / 10]) }],
      });
    }

    const mapEff = effByKey.get("map");
    const serialRow = rows[0];
    const headline = [
      { label: `serial, per request`, value: `${serialRow?.[6]} ms`, detail: `delay ${f.delay} ms (book: 500 × 0.1 s ≈ 50 s)` },
      { label: `map at ${f.concurrency} in flight`, value: mapEff === undefined ? "-" : pct(mapEff), detail: "of ideal (Python asyncio: 95% at 100)" },
    ];
    for (const s of sweep.filter((x) => x.c === 500 || x.c === f.sweep[f.sweep.length - 1])) {
      headline.push({ label: `map at ${s.c} in flight`, value: pct(s.ideal / s.ms), detail: s.c === 500 ? "of ideal (target 85%, Python asyncio: 60%)" : "of ideal" });
    }
    const undici = effByKey.get("undici");
    if (undici !== undefined) headline.push({ label: "undici + p-limit (anchor)", value: pct(undici), detail: "of ideal, same load" });

    return {
      summary: `Serial requests take requests × delay; every concurrent variant overlaps the waits and comes close to the ideal ceil(N / c) × delay — juggle's map reached ${mapEff === undefined ? "-" : pct(mapEff)} of it at ${f.concurrency} in flight.`,
      headline,
      tables,
      charts,
      notes: [
        `The serial variant ran ${f.serialRequests} requests instead of ${f.requests} to keep the lab short; its time per request is what matters (the book's 500 serial requests took about 50 s).`,
        "The book measures the chronology on the server; here each line runs from when the client sent the request to when it read the answer, so client overhead shows too.",
        "The book found about 100 concurrent requests best because Python's event loops slow down with many open connections; Node's event loop with juggle's lean client stays near the ideal to higher counts (see the sweep).",
        `Opening a connection costs the kernel and Node roughly 40-60 µs on each side on a small VM, so 500 fresh connections at once delay the last request by 20-30 ms, a quarter of a 100 ms crawl (Python's asyncio reaches about 60% of the ideal at 500 for the same reason). The lab client therefore caps the sockets at --max-sockets (${f.maxSockets === 0 ? "off in this run" : f.maxSockets}) and pipelines the rest; the anchors (undici, fetch) open one socket per request in flight.`,
        "Python threads are the usual way to overlap blocking I/O, and 100 threads are cheap there; a Node worker thread or process is a whole V8 instance (megabytes and tens of ms to start), so the pools here use a few workers, and async I/O on one event loop wins by far.",
        "Node has no GIL to release around I/O, and callbacks, promises and map all run on one event loop: their differences here are only client overhead, not parallelism.",
      ],
    };
  },
});
