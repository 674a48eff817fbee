/**
 * `juggle lab sum-squares`: seed 000's CPU-bound table (Jim Anderson's
 * `cpu_bound(number) = sum(i * i for i in range(number))` over twenty
 * numbers): no concurrency, threads, processes and async. The I/O-bound
 * table of the same seed is the `crawl` experiment's.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { gather } from "juggle-core";
import { type ChartSpec, defineExperiment, type ExperimentResult } from "../experiment.js";
import type { Progress } from "../progress.js";
import { sumOfSquares, sumOfSquaresAsync } from "../tasks/cpu.js";
import { cpu, openPool, type PoolModel, round } from "./cpu-bench.js";

export interface SumSquaresOptions {
  /** The first number; the others follow it (seed 000: 5,000,000). */
  size: number;
  /** How many numbers (seed 000: 20). */
  count: number;
  /** Workers of the pools. */
  workers: number;
  progress?: Progress;
}

export type SumSquaresApproach = "no concurrency" | "threads" | "processes" | "async";

export interface SumSquaresRun {
  approach: SumSquaresApproach;
  workers: number;
  /** Wall time of the whole call, pool start-up included (as seed 000 times `with Pool() as pool:`). */
  ms: number;
  /** Wall time of the `map` alone (pools only). */
  mapMs: number | null;
  /** Whether every sum matched the closed form n(n-1)(2n-1)/6. */
  correct: boolean;
}

export interface SumSquaresResult {
  options: Omit<SumSquaresOptions, "progress">;
  runs: SumSquaresRun[];
}

function closedForm(n: number): bigint {
  const b = BigInt(n);
  return b === 0n ? 0n : ((b - 1n) * b * (2n * b - 1n)) / 6n;
}

async function viaPool(model: PoolModel, workers: number, numbers: number[]): Promise<{ ms: number; mapMs: number; sums: bigint[] }> {
  const t0 = performance.now();
  const pool = await openPool(model, workers);
  try {
    const t1 = performance.now();
    const sums = await pool.map(cpu.sumOfSquares, numbers);
    const mapMs = performance.now() - t1;
    return { ms: performance.now() - t0, mapMs, sums };
  } finally {
    await pool.terminate();
  }
}

/** Runs the experiment. */
export async function runSumSquares(options: SumSquaresOptions): Promise<SumSquaresResult> {
  const { size, count, workers } = options;
  const numbers = Array.from({ length: count }, (_, x) => size + x);
  const expected = numbers.map(closedForm);
  const check = (sums: readonly bigint[]) => sums.length === expected.length && sums.every((s, i) => s === expected[i]);
  const bar = options.progress?.task("sum-squares: approaches", 4);
  const runs: SumSquaresRun[] = [];
  try {
    let t0 = performance.now();
    const serial = numbers.map((n) => sumOfSquares(n));
    runs.push({ approach: "no concurrency", workers: 1, ms: round(performance.now() - t0, 1), mapMs: null, correct: check(serial) });
    bar?.tick();
    for (const model of ["threads", "processes"] as const) {
      const r = await viaPool(model, workers, numbers);
      runs.push({ approach: model, workers, ms: round(r.ms, 1), mapMs: round(r.mapMs, 1), correct: check(r.sums) });
      bar?.tick();
    }
    // asyncio.gather over coroutines that never await: one event loop, one core.
    t0 = performance.now();
    const viaAsync = await gather(numbers.map((n) => () => sumOfSquaresAsync(n)));
    runs.push({ approach: "async", workers: 1, ms: round(performance.now() - t0, 1), mapMs: null, correct: check(viaAsync) });
    bar?.tick();
  } finally {
    bar?.done();
  }
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
    figure: "seed 000, use case 2",
    caption:
      `sum(i * i for i in range(n)) for ${options.count} numbers from ${options.size.toLocaleString("en-US")}. Async runs ` +
      "every call on the one event loop, so it is no faster than no concurrency; pools of threads and of processes " +
      `spread the calls over the ${cores} cores. The dark bars include starting the pool, as the seed's timing does.`,
    xLabel: "approach",
    yLabel: "seconds",
    labels: runs.map((r) => r.approach),
    series: [
      { label: "total (with pool start-up)", values: runs.map((r) => seconds(r.ms)) },
      { label: "map only", values: runs.map((r) => seconds(r.mapMs ?? r.ms)) },
    ],
  };
  const notes = [
    "Seed 000 (Python 3.6): threading was slower than no concurrency for this CPU-bound work (the GIL), and multiprocessing " +
      "more than 3 times faster on the author's machine. In juggle threads are as fast as processes here: worker threads " +
      "have no GIL, and they start faster and exchange messages more cheaply than processes.",
    "Seed 000's I/O-bound table (no concurrency 7.4 s, threading 7.3 s, multiprocessing 5.8 s, asyncio 2.2 s) is the crawl " +
      "experiment's: juggle lab crawl.",
    "Sums past 2^53 are kept exact (a carry count and a remainder), so every approach is checked against n(n-1)(2n-1)/6.",
  ];
  const wrong = runs.filter((r) => !r.correct);
  if (wrong.length > 0) notes.push(`Wrong sums from: ${wrong.map((r) => r.approach).join(", ")}!`);
  return {
    summary:
      `Against no concurrency, threads ran ${speedup(threads)} and processes ${speedup(processes)} as fast on ${cores} cores, ` +
      `async ${speedup(runs.find((r) => r.approach === "async"))}: async interleaves waiting and adds no CPU; only ` +
      "workers on more cores speed up CPU-bound work" +
      ([threads, processes].some((r) => r !== undefined && r.ms >= serial.ms)
        ? " (here a pool was no faster: too little work to pay for its start-up, or other load on the machine)."
        : "."),
    headline: [
      { label: "sum-squares: threads vs no concurrency", value: speedup(threads), detail: "seed 000 (Python): slower" },
      { label: "sum-squares: processes vs no concurrency", value: speedup(processes), detail: "seed 000: over 3× (more cores)" },
    ],
    tables: [
      {
        title: "CPU-bound: sum of squares",
        columns: ["approach", "workers", "seconds", "map only (s)", "speed-up", "sums exact"],
        rows: runs.map((r) => [r.approach, r.workers, seconds(r.ms), seconds(r.mapMs), speedup(r), r.correct ? "yes" : "NO"]),
        caption: "Speed-up against no concurrency, pool start-up included.",
      },
    ],
    charts: [chart],
    notes,
  };
}

export default defineExperiment({
  name: "sum-squares",
  title: "CPU-bound work: serial, threads, processes, async",
  description: "seed 000's CPU-bound table: sum of squares with no concurrency, threads, processes and async",
  source: "seed 000",
  flags: {
    size: { type: "integer", min: 0, max: 2 ** 26 - 1000, default: 20_000_000, quick: 100_000, description: "first number (the seed: 5,000,000)" },
    count: { type: "integer", min: 1, max: 1000, default: 20, quick: 4, description: "how many numbers (the seed: 20)" },
    workers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "workers of the pools (0: the number of cores)" },
  },
  async run(ctx) {
    const cores = ctx.machine.cores || availableParallelism();
    const { flags } = ctx;
    const result = await runSumSquares({
      size: flags.size,
      count: flags.count,
      workers: flags.workers === 0 ? cores : flags.workers,
      progress: ctx.progress,
    });
    return sumSquaresReport(result, cores);
  },
});
