/**
 * `juggle lab sum-squares`: the roadmap article's CPU-bound table (Jim
 * Anderson's `cpu_bound(number) = sum(i * i for i in range(number))` over
 * twenty numbers): no concurrency, threads, processes and async. The
 * I/O-bound table of the same article is the `crawl` experiment's. Every
 * approach runs `repeats` times after the same warm-up; tables show the
 * median with (min–max).
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { gather } from "juggle-core";
import { type ChartSpec, defineExperiment, type ExperimentResult } from "../experiment.js";
import type { Progress } from "../progress.js";
import { sumOfSquares, sumOfSquaresAsync } from "../tasks/cpu.js";
import { measurementProblem } from "../measurement-check.js";
import type { PythonInfo } from "../python.js";
import { hasRuns, pythonAnswer } from "../python/run-python.js";
import { pythonBeside } from "../python/python-side.js";
import { type Spread, spread } from "../spread.js";
import { cpu, median, openPool, type PoolModel, round } from "./cpu-bench.js";

export interface SumSquaresOptions {
  /** The first number; the others follow it (the article: 5,000,000). */
  size: number;
  /** How many numbers (the article: 20). */
  count: number;
  /** Workers of the pools. */
  workers: number;
  /** Runs of each approach. Default 1. */
  repeats?: number;
  /** Cores, for the measurement check. Default: `availableParallelism()`. */
  cores?: number;
  progress?: Progress;
}

export type SumSquaresApproach = "no concurrency" | "threads" | "processes" | "async";

export interface SumSquaresRun {
  approach: SumSquaresApproach;
  workers: number;
  /** Median wall time of the whole call, pool start-up included (as the article times `with Pool() as pool:`). */
  ms: number;
  /** Range of the repeated runs' wall times. */
  minMs: number;
  maxMs: number;
  /** Median wall time of the `map` alone (pools only). */
  mapMs: number | null;
  /** Why the speed-up cannot be true (see `measurement-check.ts`), when it cannot. */
  problem?: string;
  /** Whether every sum matched the closed form n(n-1)(2n-1)/6. */
  correct: boolean;
}

export interface SumSquaresResult {
  options: Omit<SumSquaresOptions, "progress">;
  runs: SumSquaresRun[];
  /** The Python side, when python3 ran it (smaller sizes: compare per-term rates). */
  python?: PythonSumSquares;
}

/** Python's runs of the same four approaches (`python/sum_squares.py`). */
export interface PythonSumSquares {
  version: string;
  size: number;
  count: number;
  runs: { approach: SumSquaresApproach; workers: number; ms: Spread; correct: boolean }[];
}

/**
 * Runs `python/sum_squares.py` at its own sizes and checks its sums against the closed form.
 *
 * Python: the roadmap article's own programs.
 */
export async function runPythonSumSquares(
  python: PythonInfo,
  options: { size: number; count: number; workers: number; repeats: number },
  signal?: AbortSignal,
): Promise<PythonSumSquares> {
  const answer = await pythonAnswer(python.command, "sum_squares", options, {
    signal,
    accept: hasRuns<{ approach: SumSquaresApproach; workers: number; ms: number[]; sums: string[] }>,
  });
  const expected = Array.from({ length: options.count }, (_, x) => closedForm(options.size + x).toString());
  return {
    version: python.version,
    size: options.size,
    count: options.count,
    runs: answer.runs.map((r) => ({ approach: r.approach, workers: r.workers, ms: spread(r.ms), correct: r.sums.length === expected.length && r.sums.every((s, i) => s === expected[i]) })),
  };
}

/** Terms summed by one run: sum of the numbers (each number n sums n terms). */
function terms(size: number, count: number): number {
  return count * size + (count * (count - 1)) / 2;
}

/** n(n-1)(2n-1)/6, exact. */
export function closedForm(n: number): bigint {
  const b = BigInt(n);
  return b === 0n ? 0n : ((b - 1n) * b * (2n * b - 1n)) / 6n;
}

async function viaPool(model: PoolModel, workers: number, numbers: number[]): Promise<{ ms: number; mapMs: number; sums: bigint[] }> {
  const t0 = performance.now();
  const pool = await openPool(model, workers);
  try {
    // Inside the timed total (the article times pool start-up), outside the map: each worker compiles the kernel first.
    await pool.map(cpu.sumOfSquares, Array.from({ length: workers }, () => WARM_N), { chunksize: 1 });
    const t1 = performance.now();
    const sums = await pool.map(cpu.sumOfSquares, numbers);
    const mapMs = performance.now() - t1;
    return { ms: performance.now() - t0, mapMs, sums };
  } finally {
    await pool.terminate();
  }
}

/** Numbers of the warm-up before any clock: every approach's kernel is compiled first. */
const WARM_N = 100_000;

/** Runs the experiment. */
export async function runSumSquares(options: SumSquaresOptions): Promise<SumSquaresResult> {
  const { size, count, workers } = options;
  const repeats = options.repeats ?? 1;
  const cores = options.cores ?? availableParallelism();
  const numbers = Array.from({ length: count }, (_, x) => size + x);
  const expected = numbers.map(closedForm);
  const check = (sums: readonly bigint[]) => sums.length === expected.length && sums.every((s, i) => s === expected[i]);
  const bar = options.progress?.task("sum-squares: approaches", 4 * repeats);
  const runs: SumSquaresRun[] = [];
  const measure = async (approach: SumSquaresApproach, n: number, once: () => Promise<{ ms: number; mapMs: number | null; sums: bigint[] }>): Promise<void> => {
    const times: number[] = [];
    const maps: number[] = [];
    let correct = true;
    for (let r = 0; r < repeats; r++) {
      const run = await once();
      times.push(run.ms);
      if (run.mapMs !== null) maps.push(run.mapMs);
      correct &&= check(run.sums);
      bar?.tick();
    }
    runs.push({
      approach,
      workers: n,
      ms: round(median(times), 1),
      minMs: round(Math.min(...times), 1),
      maxMs: round(Math.max(...times), 1),
      mapMs: maps.length === 0 ? null : round(median(maps), 1),
      correct,
    });
  };
  try {
    // The same warm-up for every side: the kernels run once on a small number here and in each worker.
    sumOfSquares(WARM_N);
    await sumOfSquaresAsync(WARM_N);
    await measure("no concurrency", 1, async () => {
      const t0 = performance.now();
      const sums = numbers.map((n) => sumOfSquares(n));
      return { ms: performance.now() - t0, mapMs: null, sums };
    });
    for (const model of ["threads", "processes"] as const) await measure(model, workers, () => viaPool(model, workers, numbers));
    // asyncio.gather over coroutines that never await: one event loop, one core.
    await measure("async", 1, async () => {
      const t0 = performance.now();
      const sums = await gather(numbers.map((n) => () => sumOfSquaresAsync(n)));
      return { ms: performance.now() - t0, mapMs: null, sums };
    });
  } finally {
    bar?.done();
  }
  const serial = runs[0] as SumSquaresRun;
  for (const run of runs.slice(1)) run.problem = measurementProblem(round(serial.ms / run.ms, 2), run.workers, cores);
  const { progress: _progress, ...rest } = options;
  return { options: rest, runs };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

const seconds = (ms: number | null) => (ms === null ? null : round(ms / 1000, 3));

/** The report's summary, headline, tables, charts and notes for a result. */
export function sumSquaresReport(result: SumSquaresResult, cores: number): ExperimentResult {
  const { runs, options } = result;
  const serial = runs.find((r) => r.approach === "no concurrency") as SumSquaresRun;
  const speedup = (r: SumSquaresRun | undefined) => (r === undefined ? "?" : `${round(serial.ms / r.ms, 2)}×`);
  const threads = runs.find((r) => r.approach === "threads");
  const processes = runs.find((r) => r.approach === "processes");
  const chart: ChartSpec = {
    kind: "bar",
    title: "CPU-bound: sum of squares by approach",
    figure: "the roadmap article, use case 2",
    caption:
      `sum(i * i for i in range(n)) for ${options.count} numbers from ${options.size.toLocaleString("en-US")}. Async runs ` +
      "every call on the one event loop, so it is no faster than no concurrency; pools of threads and of processes " +
      `spread the calls over the ${cores} cores. Each bar is the median of ${options.repeats ?? 1} run(s), split into the work ` +
      "and the pools' start-up and shut-down (which the article's timing includes); the error bar is the total's min–max.",
    xLabel: "approach",
    yLabel: "seconds",
    labels: runs.map((r) => r.approach),
    stacked: true,
    series: [
      { label: "work (map)", values: runs.map((r) => seconds(r.mapMs ?? r.ms)) },
      {
        label: "pool start-up and shut-down",
        values: runs.map((r) => (r.mapMs === null ? 0 : seconds(r.ms - r.mapMs))),
        errors: runs.map((r) => [seconds(r.minMs) as number, seconds(r.maxMs) as number]),
      },
    ],
  };
  const notes = [
    "The roadmap article (Python 3.6): threading was slower than no concurrency for this CPU-bound work (the GIL), and multiprocessing " +
      "more than 3 times faster on the author's machine. In juggle threads are as fast as processes here: worker threads " +
      "have no GIL, and they start faster and exchange messages more cheaply than processes.",
    "The article's I/O-bound table (no concurrency 7.4 s, threading 7.3 s, multiprocessing 5.8 s, asyncio 2.2 s) is the crawl " +
      "experiment's: juggle lab crawl.",
    "Sums past 2^53 are kept exact (a carry count and a remainder), so every approach is checked against n(n-1)(2n-1)/6.",
  ];
  for (const run of runs) if (run.problem !== undefined) notes.unshift(`Measurement problem, ${run.approach}: ${run.problem}.`);
  const wrong = runs.filter((r) => !r.correct);
  if (wrong.length > 0) notes.push(`Wrong sums from: ${wrong.map((r) => r.approach).join(", ")}!`);
  const report: ExperimentResult = {
    summary:
      `Against no concurrency, threads ran ${speedup(threads)} and processes ${speedup(processes)} as fast on ${cores} cores, ` +
      `async ${speedup(runs.find((r) => r.approach === "async"))}: async interleaves waiting and adds no CPU; only ` +
      "workers on more cores speed up CPU-bound work" +
      ([threads, processes].some((r) => r !== undefined && r.ms >= serial.ms)
        ? " (here a pool was no faster: too little work to pay for its start-up, or other load on the machine)."
        : "."),
    headline: [
      { label: "sum-squares: threads vs no concurrency", value: speedup(threads), detail: threads?.problem === undefined ? "the article (Python): slower" : "measurement problem: see notes" },
      { label: "sum-squares: processes vs no concurrency", value: speedup(processes), detail: processes?.problem === undefined ? "the article: over 3× (more cores)" : "measurement problem: see notes" },
    ],
    tables: [
      {
        title: "CPU-bound: sum of squares",
        columns: ["approach", "workers", "seconds (min–max)", "map only (s)", "speed-up", "sums exact", "check"],
        rows: runs.map((r) => [
          r.approach,
          r.workers,
          r.minMs === r.maxMs ? `${seconds(r.ms)}` : `${seconds(r.ms)} (${seconds(r.minMs)}–${seconds(r.maxMs)})`,
          seconds(r.mapMs),
          speedup(r),
          r.correct ? "yes" : "NO",
          r.problem === undefined ? "ok" : "SUSPECT",
        ]),
        caption: `Median of ${options.repeats ?? 1} run(s). Speed-up against no concurrency, pool start-up included. SUSPECT: an impossible speed-up (a measurement problem, see the notes).`,
      },
    ],
    charts: [chart],
    notes,
  };
  if (result.python !== undefined) addPython(report, result, result.python);
  return report;
}

/** The side-by-side table and chart: nanoseconds per term summed, juggle and Python, and their ratio. */
function addPython(report: ExperimentResult, result: SumSquaresResult, py: PythonSumSquares): void {
  const jsTerms = terms(result.options.size, result.options.count);
  const pyTerms = terms(py.size, py.count);
  const ns = (ms: number, n: number): number => round((ms * 1e6) / n, 2);
  const rows = result.runs.map((r) => {
    const p = py.runs.find((x) => x.approach === r.approach);
    const jsNs = ns(r.ms, jsTerms);
    const pyNs = p === undefined ? null : ns(p.ms.median, pyTerms);
    return { approach: r.approach, jsNs, pyNs, pyRange: p === undefined ? null : [ns(p.ms.min, pyTerms), ns(p.ms.max, pyTerms)] as [number, number], correct: p?.correct ?? false };
  });
  report.tables.push({
    title: `juggle and Python ${py.version} side by side: ns per term summed`,
    columns: ["approach", "juggle ns/term", "Python ns/term", "Python / juggle", "Python sums exact", "Python speed-up"],
    rows: rows.map((r) => [r.approach, r.jsNs, r.pyNs, r.pyNs === null ? null : `${round(r.pyNs / r.jsNs, 1)}x`, r.correct ? "yes" : "NO", pythonSpeedup(rows, r.approach)]),
    caption:
      `Sizes differ (CPython runs this loop tens of times slower than V8): juggle summed ${result.options.count} numbers from ` +
      `${result.options.size.toLocaleString("en-US")}, Python ${py.count} from ${py.size.toLocaleString("en-US")}, so the rates per term are compared. ` +
      `Python medians of ${py.runs[0]?.ms.runs.length ?? 0} run(s), measured live on this machine.`,
  });
  report.charts.push({
    kind: "bar",
    title: "Sum of squares: juggle and Python, ns per term",
    caption: `Time per term summed by approach (log scale, lower is better), juggle and Python ${py.version} measured in this run. ${pythonSentence(rows)}`,
    labels: rows.map((r) => r.approach),
    series: [
      { label: "juggle", values: rows.map((r) => r.jsNs) },
      { label: `Python ${py.version}`, values: rows.map((r) => r.pyNs), errors: rows.map((r) => r.pyRange) },
    ],
    yLabel: "ns per term",
    logY: true,
  });
  if (rows.some((r) => !r.correct)) report.notes?.push("The Python side's sums did not all match n(n-1)(2n-1)/6!");
}

/** How many times as fast as serial Python an approach ran (its time per term against no concurrency's); `null` when unknown. */
function pythonSpeedup(rows: { approach: string; pyNs: number | null }[], approach: string): number | null {
  const serial = rows.find((r) => r.approach === "no concurrency")?.pyNs;
  const mine = rows.find((r) => r.approach === approach)?.pyNs;
  return serial == null || mine == null ? null : round(serial / mine, 2);
}

/** Which Python approach was fastest against serial Python, from the data. */
function pythonSentence(rows: { approach: string; pyNs: number | null }[]): string {
  const threads = pythonSpeedup(rows, "threads");
  const processes = pythonSpeedup(rows, "processes");
  if (threads === null || processes === null) return "";
  return `In Python, threads ran ${threads}x and processes ${processes}x as fast as no concurrency.`;
}

export default defineExperiment({
  name: "sum-squares",
  title: "CPU-bound work: serial, threads, processes, async",
  description: "the roadmap article's CPU-bound table: sum of squares with no concurrency, threads, processes and async",
  source: "the roadmap article",
  flags: {
    size: { type: "integer", min: 0, max: 2 ** 26 - 1000, default: 60_000_000, quick: 100_000, description: "first number (the article: 5,000,000; larger so a serial run lasts well over a second)" },
    count: { type: "integer", min: 1, max: 1000, default: 30, quick: 4, description: "how many numbers (the article: 20)" },
    repeats: { type: "integer", min: 1, max: 100, default: 3, quick: 1, description: "runs of each approach (median and min-max shown)" },
    pythonSize: { type: "integer", min: 0, max: 2 ** 26, default: 1_000_000, quick: 20_000, description: "first number of the Python side (CPython is far slower: rates per term are compared)" },
    pythonCount: { type: "integer", min: 1, max: 1000, default: 20, quick: 4, description: "how many numbers the Python side sums" },
    workers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "workers of the pools (0: the number of cores)" },
  },
  async run(ctx) {
    const cores = ctx.machine.cores || availableParallelism();
    const { flags } = ctx;
    const result = await runSumSquares({
      size: flags.size,
      count: flags.count,
      workers: flags.workers === 0 ? cores : flags.workers,
      repeats: flags.repeats,
      cores,
      progress: ctx.progress,
    });
    const py = await pythonBeside(ctx, "sum-squares: Python side", (python) =>
      runPythonSumSquares(python, { size: flags.pythonSize, count: flags.pythonCount, workers: flags.workers === 0 ? cores : flags.workers, repeats: flags.repeats }, ctx.signal),
    );
    result.python = py.value;
    return py.finish(sumSquaresReport(result, cores));
  },
});
