/**
 * `crawl`: HPP chapter 8's web crawler against the delay server — N
 * requests that each wait `delay` ms on the server, fetched serially, with
 * callbacks, with promises behind a semaphore, with juggle's `map`, with the
 * `AdaptiveLimiter`, with pools of serial fetchers, and with p-limit as the
 * anchor; then a concurrency sweep (the book's Figure 8-3). Every variant
 * uses the same HTTP client, so rows differ only by concurrency model.
 *
 * @module
 */
import type { TraceRecorder } from "juggle-core";
import { CLIENT_LABEL, CrawlClient } from "../crawl-client.js";
import {
  type CrawlRun,
  type CrawlSpec,
  crawlAdaptive,
  crawlCallbacks,
  crawlMap,
  crawlPLimit,
  crawlProcesses,
  crawlSemaphore,
  crawlSerial,
  crawlThreads,
} from "../crawl-variants.js";
import { type ChainBreakdown, criticalChain } from "../crawl-chain.js";
import type { DelayLog } from "../delay-server.js";
import { type ChartSpec, defineExperiment, type ExperimentResult, type ResultTable, type SummaryRow } from "../experiment.js";
import { formatSpread, type Spread, spread } from "../spread.js";
import type { PythonInfo } from "../python.js";
import { hasRuns, pythonAnswer } from "../python/run-python.js";
import { pythonBeside } from "../python/python-side.js";
import { chainTable, chronologyCaption, handOverNote, whereTimeWent } from "./crawl-captions.js";

/** The Python side's clients, as the report labels them. */
const PYTHON_CLIENT = {
  asyncio:
    "Python's asyncio with a hand-written HTTP/1.1 GET on asyncio streams (the standard library has no async HTTP client), one connection per request in flight",
  threads: "a concurrent.futures.ThreadPoolExecutor whose threads do blocking GETs with http.client, one kept-alive connection per thread, threads started before the clock",
} as const;

type PythonMode = keyof typeof PYTHON_CLIENT;

/** Runs `python/crawl.py` (HPP Example 8-8 on the standard library) and summarises its runs. */
async function pythonCrawl(
  python: PythonInfo,
  input: { origin: string; requests: number; delay: number; concurrency: number; repeats: number; mode: PythonMode },
  signal: AbortSignal,
): Promise<{ eff: Spread; ms: Spread; answered: number }> {
  const answer = await pythonAnswer(python.command, "crawl", { ...input, name: "python" }, { signal, accept: hasRuns<{ ms: number; answered: number }> });
  const ideal = idealMs(input.requests, input.concurrency, input.delay);
  return {
    eff: spread(answer.runs.map((r) => ideal / r.ms)),
    ms: spread(answer.runs.map((r) => r.ms)),
    answered: Math.min(...answer.runs.map((r) => r.answered)),
  };
}

interface Variant {
  key: string;
  label: string;
  /** How the book or the blog posts do it. */
  like: string;
  run: (spec: CrawlSpec) => Promise<CrawlRun>;
  kind: "serial" | "async" | "pool" | "anchor";
  figure?: string;
}

const variants: Variant[] = [
  { key: "serial", label: "serial", like: "HPP Example 8-3 (requests)", run: crawlSerial, kind: "serial", figure: "HPP Figure 8-2" },
  { key: "callbacks", label: "callbacks", like: "HPP Example 8-6 (tornado), Non-sequential Python", run: crawlCallbacks, kind: "async", figure: "HPP Figure 8-5" },
  { key: "semaphore", label: "Semaphore", like: "HPP Examples 8-4 (gevent), 8-8 (asyncio)", run: crawlSemaphore, kind: "async", figure: "HPP Figures 8-4, 8-6" },
  { key: "map", label: "juggle map", like: "gevent's Pool.imap, asyncio.as_completed", run: crawlMap, kind: "async" },
  { key: "adaptive", label: "AdaptiveLimiter", like: "Figure 8-3's sweep, done live", run: crawlAdaptive, kind: "async" },
  { key: "threads", label: "ThreadPool", like: "ThreadPool of blocking requests (roadmap article)", run: crawlThreads, kind: "pool" },
  { key: "processes", label: "ProcessPool", like: "multiprocessing.Pool of blocking requests", run: crawlProcesses, kind: "pool" },
  { key: "plimit", label: "p-limit (anchor)", like: "the usual Node.js limiter", run: crawlPLimit, kind: "anchor" },
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

/** One configuration to measure: a variant at a size, its trace recorder (the chronology's) and its progress label. */
interface Job {
  v: Variant;
  requests: number;
  concurrency: number;
  trace: TraceRecorder | undefined;
  label: string;
}

/** One measured configuration: its runs' efficiencies and times, the last run with its server log, and the median run's critical chain. */
interface Measured {
  eff: Spread;
  ms: Spread;
  ideal: number;
  last: CrawlRun;
  log: DelayLog;
  answered: number;
  requests: number;
  chain: { ms: number; parts: ChainBreakdown } | undefined;
}

export default defineExperiment({
  name: "crawl",
  title: "Crawling a slow server",
  description: "N requests that each wait on the server: serial vs callbacks vs promises vs map vs pools vs p-limit; concurrency sweep",
  source: "HPP ch. 8, the roadmap article, Non-sequential Python",
  flags: {
    requests: { type: "integer", default: 500, quick: 40, min: 1, max: 100_000, description: "requests per concurrent variant" },
    delay: { type: "integer", default: 100, quick: 20, min: 0, max: 10_000, description: "server delay per request, ms" },
    concurrency: { type: "integer", default: 100, quick: 10, min: 1, max: 10_000, description: "requests in flight" },
    serialRequests: { type: "integer", default: 20, quick: 5, min: 1, max: 100_000, description: "requests of the serial variant (it takes serialRequests x delay)" },
    poolRequests: { type: "integer", default: 100, quick: 8, min: 1, max: 100_000, description: "requests of the pool variants (they take poolRequests / workers x delay)" },
    workers: { type: "integer", default: 4, quick: 2, min: 1, max: 256, description: "workers of the ThreadPool and ProcessPool variants (requests in flight)" },
    sweep: { type: "integers", default: [25, 50, 100, 250, 500], quick: [5, 20, 40], min: 1, max: 10_000, description: "concurrency levels of the sweep (--no-sweep: none)" },
    repeats: { type: "integer", default: 3, quick: 1, min: 1, max: 100, description: "runs of each configuration (median and min-max shown)" },
  },
  async run(ctx) {
    const f = ctx.flags;
    const server = await ctx.delayServer();
    // One unmeasured request first: undici compiles its HTTP parser on first
    // use (tens of ms), which would otherwise land on whichever row runs first.
    // Python imports and initialises its client before timing, too.
    const warm = new CrawlClient(server.url);
    await warm.get("/add?name=warm-up&delay=0");
    await warm.close();

    /**
     * Runs each job `repeats` times. Several jobs take turns, in reversed
     * order every other repeat (ABBA), so load that drifts during the run
     * falls on every side alike.
     */
    const measure = async (jobs: Job[]): Promise<Measured[]> => {
      const acc = jobs.map(() => ({ effs: [] as number[], times: [] as number[], chains: [] as { ms: number; parts: ChainBreakdown }[], last: undefined as CrawlRun | undefined, log: undefined as DelayLog | undefined }));
      for (let run = 0; run < f.repeats && !ctx.signal.aborted; run++) {
        const order = jobs.map((_, i) => i);
        if (run % 2 === 1) order.reverse();
        for (const i of order) {
          if (ctx.signal.aborted) break;
          const { v, requests, concurrency, trace, label } = jobs[i] as Job;
          const a = acc[i] as (typeof acc)[number];
          await server.reset();
          const isLast = run === f.repeats - 1;
          const task = ctx.progress.task(`crawl: ${label}${f.repeats > 1 ? ` (${run + 1}/${f.repeats})` : ""}`, requests);
          const spec: CrawlSpec = {
            origin: server.url,
            name: v.key,
            requests,
            delay: f.delay,
            concurrency,
            onAnswer: () => task.tick(),
            signal: ctx.signal,
            workers: v.kind === "pool" ? f.workers : undefined,
            // The chronology shows the last run: only it records a trace.
            trace: isLast ? trace : undefined,
          };
          let last: CrawlRun;
          try {
            last = await v.run(spec);
          } finally {
            task.done();
          }
          const log = await server.log();
          a.last = last;
          a.log = log;
          a.times.push(last.ms);
          const ideal = idealMs(requests, concurrency, f.delay);
          a.effs.push(last.ms > 0 ? ideal / last.ms : 1);
          const parts = criticalChain({ records: last.records, entries: log.entries, t0Epoch: last.t0Epoch, name: v.key, ms: last.ms, ideal, delay: f.delay });
          if (parts !== undefined) a.chains.push({ ms: last.ms, parts });
          if (isLast && trace !== undefined && last.traced !== true) {
            for (const r of last.records) {
              trace.record({ id: r.index, name: `${v.key} ${r.index}`, worker: "main", queuedAt: 0, startedAt: r.start, endedAt: r.end, ok: r.ok });
            }
          }
        }
      }
      return jobs.map(({ requests, concurrency }, i) => {
        const { effs, times, chains, last, log } = acc[i] as (typeof acc)[number];
        if (last === undefined || log === undefined) throw ctx.signal.reason;
        const answered = log.entries.filter((e) => e.kind === "add" && e.completedAt !== null).length;
        // The median run's chain (not each part's median: the parts of one run add up to its loss).
        const chain = [...chains].sort((x, y) => x.ms - y.ms)[(chains.length - 1) >> 1];
        return { eff: spread(effs), ms: spread(times), ideal: idealMs(requests, concurrency, f.delay), last, log, answered, requests, chain };
      });
    };

    const rows: ResultTable["rows"] = [];
    const pythonRows: { mode: PythonMode; label: string; eff: Spread; ms: Spread; answered: number }[] = [];
    const chronologies: ChartSpec[] = [];
    const byKey = new Map<string, Measured>();
    // Every variant takes turns (see measure): the rows compare like with like even when the load drifts.
    const jobs = variants.map((v): Job => {
      const requests = v.kind === "serial" ? f.serialRequests : v.kind === "pool" ? f.poolRequests : f.requests;
      const concurrency = v.kind === "serial" ? 1 : v.kind === "pool" ? f.workers : f.concurrency;
      return { v, requests, concurrency, trace: ctx.trace(v.key), label: v.label };
    });
    const measuredRows = await measure(jobs);
    for (const [i, { v, requests, concurrency }] of jobs.entries()) {
      const m = measuredRows[i] as Measured;
      byKey.set(v.key, m);
      rows.push([v.label, requests, concurrency, formatSpread(m.ms, 3, 1 / 1000), formatSpread(m.eff, 1, 100), m.log.connections, m.answered === requests ? "yes" : `${m.answered}/${requests}`]);
      chronologies.push({
        kind: "chronology",
        title: `Chronology: ${v.label}`,
        figure: v.figure,
        caption: chronologyCaption({ kind: v.kind, key: v.key, label: v.label, requests, concurrency, delay: f.delay, ms: m.last.ms, ideal: m.ideal, extra: m.last.extra }),
        spans: sample([...m.last.records].sort((a, b) => a.start - b.start), MAX_SPANS).map((r) => ({ start: r2(r.start), end: r2(r.end), ok: r.ok })),
      });
    }

    // Python's asyncio crawler (HPP Example 8-8) at the async rows' sizes, and
    // a Python thread pool at the pool rows' sizes, against the same server.
    let finishPython = (r: ExperimentResult): ExperimentResult => r;
    const version = ctx.python?.version;
    const sides = [
      { mode: "asyncio", requests: f.requests, concurrency: f.concurrency, label: `Python ${version} asyncio` },
      { mode: "threads", requests: f.poolRequests, concurrency: f.workers, label: `Python ${version} thread pool` },
    ] as const;
    for (const { mode, requests, concurrency, label } of sides) {
      const py = await pythonBeside(ctx, `crawl: ${label}`, (python) =>
        pythonCrawl(python, { origin: server.url, requests, delay: f.delay, concurrency, repeats: f.repeats, mode }, ctx.signal).finally(() => server.reset()),
      );
      finishPython = py.finish;
      if (py.value === undefined) break;
      pythonRows.push({ mode, label, eff: py.value.eff, ms: py.value.ms, answered: py.value.answered });
      rows.push([label, requests, concurrency, formatSpread(py.value.ms, 3, 1 / 1000), formatSpread(py.value.eff, 1, 100), "-", py.value.answered === requests ? "yes" : `${py.value.answered}/${requests}`]);
    }

    // Concurrency sweep (Figure 8-3): juggle's map and the anchor at each level.
    const sweepVariants = variants.filter((v) => v.key === "map" || v.key === "plimit");
    const sweep: { c: number; by: Map<string, Measured> }[] = [];
    for (const c of f.sweep) {
      if (ctx.signal.aborted) break;
      // map and the anchor take turns at each level.
      const measured = await measure(sweepVariants.map((v) => ({ v, requests: f.requests, concurrency: c, trace: undefined, label: `sweep, ${v.label}, ${c} in flight` })));
      sweep.push({ c, by: new Map(sweepVariants.map((v, i) => [v.key, measured[i] as Measured])) });
    }

    const tables: ResultTable[] = [
      {
        title: `Crawl: ${f.requests} requests × ${f.delay} ms, ${f.concurrency} in flight (serial: ${f.serialRequests}, pools: ${f.poolRequests})`,
        columns: ["variant", "requests", "in flight", "runtime s", "efficiency %", "connections", "answered"],
        rows,
        caption:
          `Median of ${f.repeats} run(s), (min–max). Ideal = ceil(requests / in flight) × delay; efficiency = ideal / runtime. Every juggle variant and p-limit use the same client: ${CLIENT_LABEL}. Connections = sockets the server accepted in the last run.` +
          (pythonRows.length === 0
            ? " Python side: not run (no python3 on PATH, or --no-python)."
            : ` Python rows, measured live against the same server: ${pythonRows.map((r) => `${r.label} is ${PYTHON_CLIENT[r.mode]}`).join("; ")}.`),
      },
    ];
    const charts: ChartSpec[] = [];
    const measuredKeys = variants.filter((v) => byKey.has(v.key));
    const effLabels = [...measuredKeys.map((v) => v.label), ...pythonRows.map((r) => r.label)];
    const effValues = [...measuredKeys.map((v) => r2((byKey.get(v.key) as Measured).eff.median * 100)), ...pythonRows.map((r) => r2(r.eff.median * 100))];
    const highest = effValues.indexOf(Math.max(...effValues));
    charts.push({
      kind: "bar",
      title: "Efficiency against the ideal",
      caption: `Ideal time / measured time per variant, median of ${f.repeats} run(s) with min–max (100% = no time lost beyond the server's delay). Highest: ${effLabels[highest]} (${(effValues[highest] as number).toFixed(1)}%). Every juggle variant and p-limit use ${CLIENT_LABEL}.`,
      labels: effLabels,
      series: [
        {
          label: "efficiency %",
          values: effValues,
          errors: [
            ...measuredKeys.map((v): [number, number] => {
              const e = (byKey.get(v.key) as Measured).eff;
              return [r2(e.min * 100), r2(e.max * 100)];
            }),
            ...pythonRows.map((r): [number, number] => [r2(r.eff.min * 100), r2(r.eff.max * 100)]),
          ],
        },
      ],
      yLabel: "% of ideal",
    });
    charts.push(...chronologies);
    if (sweep.length > 0) {
      tables.push({
        title: `Concurrency sweep (${f.requests} requests × ${f.delay} ms): efficiency %`,
        columns: ["in flight", "ideal s", ...sweepVariants.map((v) => v.label)],
        rows: sweep.map((s) => [s.c, r3(idealMs(f.requests, s.c, f.delay) / 1000), ...sweepVariants.map((v) => formatSpread((s.by.get(v.key) as Measured).eff, 1, 100))]),
        caption: `Median of ${f.repeats} run(s), (min–max); one connection per request in flight.`,
      });
      const fastest = sweep.reduce((a, b) => ((b.by.get("map") as Measured).ms.median < (a.by.get("map") as Measured).ms.median ? b : a));
      charts.push({
        kind: "line",
        title: "Finding the right number of concurrent requests",
        figure: "HPP Figure 8-3",
        caption: `Runtime against requests in flight (log scale), with the ideal ceil(N / c) × delay. juggle's map was fastest at ${fastest.c} in flight (${r3((fastest.by.get("map") as Measured).ms.median / 1000)} s).`,
        xLabel: "requests in flight",
        yLabel: "runtime (s)",
        logX: true,
        series: [
          ...sweepVariants.map((v) => ({
            label: v.label,
            points: sweep.map((s): [number, number] => [s.c, r3((s.by.get(v.key) as Measured).ms.median / 1000)]),
            ranges: sweep.map((s): [number, number] => {
              const ms = (s.by.get(v.key) as Measured).ms;
              return [r3(ms.min / 1000), r3(ms.max / 1000)];
            }),
          })),
          { label: "ideal", points: sweep.map((s): [number, number] => [s.c, r3(idealMs(f.requests, s.c, f.delay) / 1000)]) },
        ],
      });
      charts.push({
        kind: "line",
        title: "Efficiency of the sweep",
        caption: `Ideal / measured per concurrency level, median with min–max. ${sweepSentence(sweep)}`,
        xLabel: "requests in flight",
        yLabel: "% of ideal",
        logX: true,
        yMin: 0,
        yMax: 100,
        series: sweepVariants.map((v) => ({
          label: v.label,
          points: sweep.map((s): [number, number] => [s.c, r2((s.by.get(v.key) as Measured).eff.median * 100)]),
          ranges: sweep.map((s): [number, number] => {
            const e = (s.by.get(v.key) as Measured).eff;
            return [r2(e.min * 100), r2(e.max * 100)];
          }),
        })),
      });
    }

    const chained = variants.filter((v) => byKey.get(v.key)?.chain !== undefined);
    if (chained.length > 0) tables.push(chainTable(chained.map((v) => [v.label, (byKey.get(v.key) as Measured).chain as { ms: number; parts: ChainBreakdown }]), f.repeats));

    const headline: SummaryRow[] = [];
    const serial = byKey.get("serial");
    if (serial !== undefined) headline.push({ label: "serial, per request", value: `${r2(serial.ms.median / serial.requests)} ms`, detail: `delay ${f.delay} ms` });
    const targets: string[] = [];
    for (const key of ["map", "semaphore", "callbacks"]) {
      const m = byKey.get(key);
      if (m === undefined) continue;
      const met = m.eff.median >= 0.95;
      headline.push({ label: `${key} at ${f.concurrency} in flight`, value: pct(m.eff.median), detail: `of ideal; target 95%: ${met ? "met" : "missed"}` });
      if (!met) targets.push(`${key} reached ${pct(m.eff.median)} at ${f.concurrency} in flight, short of 95%${m.chain === undefined ? "" : `: ${whereTimeWent(m.chain.parts, m.chain.ms)}`}`);
    }
    const top = sweep.find((s) => s.c === Math.max(...f.sweep));
    if (top !== undefined) {
      const map = top.by.get("map") as Measured;
      const anchor = top.by.get("plimit") as Measured;
      const gap = (anchor.eff.median - map.eff.median) * 100;
      headline.push({ label: `map at ${top.c} in flight`, value: pct(map.eff.median), detail: `p-limit: ${pct(anchor.eff.median)}; target within 2 points: ${gap <= 2 ? "met" : "missed"}` });
      if (gap > 2) {
        const why = (m: Measured): string => (m.chain === undefined ? "" : `: ${whereTimeWent(m.chain.parts, m.chain.ms)}`);
        targets.push(`At ${top.c} in flight map was ${gap.toFixed(1)} points behind p-limit. map${why(map)} p-limit${why(anchor)}`);
      }
    }

    const mapEff = byKey.get("map")?.eff.median;
    const pythonAsync = pythonRows.find((r) => r.mode === "asyncio");
    if (pythonAsync !== undefined && mapEff !== undefined) {
      headline.push({ label: `Python asyncio at ${f.concurrency} in flight`, value: pct(pythonAsync.eff.median), detail: `of ideal, measured live; juggle map / Python: ${(mapEff / pythonAsync.eff.median).toFixed(2)}x` });
    }
    const report: ExperimentResult = {
      summary: `Serial requests take requests × delay; every concurrent variant overlaps the waits and comes close to the ideal ceil(N / c) × delay — juggle's map reached ${mapEff === undefined ? "-" : pct(mapEff)} of it at ${f.concurrency} in flight, with the same HTTP client as every other row.`,
      headline,
      tables,
      charts,
      notes: [
        ...targets,
        ...handOverNote(variants.filter((v) => v.kind === "async" || v.kind === "anchor").map((v) => [v.label, byKey.get(v.key)?.chain?.parts] as const)),
        `Every variant, juggle's and p-limit, uses one client: ${CLIENT_LABEL}. The rows differ only by how requests are kept in flight.`,
        `The serial variant ran ${f.serialRequests} requests to keep the lab short; its time per request is what matters (the book's 500 serial requests took about 50 s).`,
        "The book measures the chronology on the server; here each line runs from when the client sent the request to when it read the answer, so client overhead shows too.",
        "Python threads are the usual way to overlap blocking I/O, and 100 threads are cheap there; a Node worker thread or process is a whole V8 instance, so the pools use a few workers, and async I/O on one event loop wins by far.",
        "Node has no GIL to release around I/O, and callbacks, promises and map all run on one event loop: their differences here are only scheduling overhead, not parallelism.",
      ],
    };
    return finishPython(report);
  },
});

/** One sentence on the sweep's lowest and highest levels, from the data. */
function sweepSentence(sweep: { c: number; by: Map<string, Measured> }[]): string {
  const first = sweep[0] as (typeof sweep)[number];
  const last = sweep[sweep.length - 1] as (typeof sweep)[number];
  const at = (s: typeof first): string =>
    [...s.by.entries()].map(([key, m]) => `${key === "plimit" ? "p-limit" : key} ${pct(m.eff.median)}`).join(", ");
  return `At ${first.c} in flight: ${at(first)}; at ${last.c}: ${at(last)}.`;
}
