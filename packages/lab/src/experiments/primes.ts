/**
 * `juggle lab primes`: prime checks over a large range with a pool's `map`
 * (High Performance Python ch. 9, "Finding Prime Numbers"): the chunk-size
 * sweep (Figures 9-11 and 9-12) with Python's default rule and juggle's
 * `"auto"`, sorted vs randomised order (Figure 9-13), and the number of
 * chunks against the number of CPUs (Figure 9-14).
 *
 * @module
 */
import { availableParallelism } from "node:os";
import type { Executor } from "juggle-core";
import { type ChartSpec, defineExperiment, type ExperimentResult, type ResultTable } from "../experiment.js";
import type { Progress } from "../progress.js";
import { measurementProblem } from "../measurement-check.js";
import { formatSpread, type Spread, spread } from "../spread.js";
import { isPrime, Random } from "../tasks/cpu.js";
import { cpu, defaultChunksize, type PoolModel, round, withPool } from "./cpu-bench.js";

export interface PrimesOptions {
  /** First number checked. */
  start: number;
  /** How many consecutive numbers are checked. */
  count: number;
  model: PoolModel;
  workers: number;
  /** Explicit chunk sizes of the sweep (the default and "auto" are always added). */
  chunksizes: readonly number[];
  /** Chunk sizes run in sorted and in shuffled order (the default is always added). */
  orderChunksizes: readonly number[];
  /** Largest number of chunks in the chunks-vs-CPUs sweep. */
  maxChunks: number;
  /** Runs per point (and of the serial loop): the median is shown, with the fastest and slowest. */
  repeat: number;
  /** Cores, for the measurement check. Default: `availableParallelism()`. */
  cores?: number;
  seed: number;
  /** Where to report progress (one tick per run). */
  progress?: Progress;
}

/** One `map` call. */
export interface PrimesRun {
  /** Which figure the run belongs to. */
  sweep: "chunksize" | "order" | "chunks";
  /** The chunksize passed to `map` (a number, or "auto"). */
  chunksize: number | "auto";
  /** A label: the number, "default (N)" or "auto". */
  label: string;
  /** Chunks the range was cut into (for numeric chunk sizes). */
  chunks: number | null;
  order: "sorted" | "random";
  /** Wall time of the repeated runs, ms (median, min, max). */
  time: Spread;
  primes: number;
  /** Median serial loop / median run. */
  speedup: number;
  /** Why the speed-up cannot be true (see `measurement-check.ts`), when it cannot. */
  problem?: string;
}

export interface PrimesResult {
  options: Omit<PrimesOptions, "progress">;
  /** Serial loop on the main thread after the same warm-up as the workers, repeated as often as every run. */
  serial: { time: Spread; primes: number };
  defaultChunksize: number;
  runs: PrimesRun[];
}

function shuffled(values: readonly number[], seed: number): number[] {
  const out = values.slice();
  const rng = new Random(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

/** One timed `map` call: its wall time in ms and the primes it found. */
async function timeMap(pool: Executor, numbers: readonly number[], chunksize: number | "auto"): Promise<{ ms: number; primes: number }> {
  const start = performance.now();
  const flags = await pool.map(cpu.isPrime, numbers, { chunksize });
  const ms = round(performance.now() - start, 1);
  let primes = 0;
  for (const f of flags) if (f) primes++;
  return { ms, primes };
}

/** One timed serial loop on the main thread. */
function timeSerial(numbers: readonly number[]): { ms: number; primes: number } {
  const start = performance.now();
  let primes = 0;
  for (const n of numbers) if (isPrime(n)) primes++;
  return { ms: round(performance.now() - start, 1), primes };
}

/** Numbers checked before the clock, on the main thread and in every worker alike (the JIT warm on both sides). */
const WARM_NUMBERS = 2000;

/** Runs the experiment. */
export async function runPrimes(options: PrimesOptions): Promise<PrimesResult> {
  const { start, count, workers, repeat } = options;
  const numbers = Array.from({ length: count }, (_, i) => start + i);
  const random = shuffled(numbers, options.seed);
  const def = defaultChunksize(count, workers);

  type Step = Omit<PrimesRun, "time" | "primes" | "speedup" | "problem">;
  const steps: Step[] = [];
  const sizes = [...new Set(options.chunksizes.filter((c) => c >= 1 && c <= count))].sort((a, b) => a - b);
  for (const c of sizes) {
    steps.push({ sweep: "chunksize", chunksize: c, label: String(c), chunks: Math.ceil(count / c), order: "sorted" });
  }
  steps.push({ sweep: "chunksize", chunksize: def, label: `default (${def})`, chunks: Math.ceil(count / def), order: "sorted" });
  steps.push({ sweep: "chunksize", chunksize: "auto", label: "auto", chunks: null, order: "sorted" });
  // Figure 9-13: chunk sizes with the jobs in sorted and in shuffled order.
  const orderSizes = [...new Set(options.orderChunksizes.filter((c) => c >= 1 && c <= count && c !== def))].sort((a, b) => a - b);
  for (const c of [...orderSizes, def]) {
    for (const order of ["sorted", "random"] as const) {
      steps.push({ sweep: "order", chunksize: c, label: c === def ? `default (${def})` : String(c), chunks: Math.ceil(count / c), order });
    }
  }
  // Figure 9-14: cut the range into 1, 2, … maxChunks chunks.
  const seen = new Set<number>();
  for (let chunks = 1; chunks <= options.maxChunks; chunks++) {
    const c = Math.ceil(count / chunks);
    const actual = Math.ceil(count / c);
    if (seen.has(actual)) continue;
    seen.add(actual);
    steps.push({ sweep: "chunks", chunksize: c, label: String(actual), chunks: actual, order: "sorted" });
  }

  const warm = numbers.slice(0, WARM_NUMBERS);
  for (const n of warm) isPrime(n);
  const cores = options.cores ?? availableParallelism();
  const serialRuns: { ms: number; primes: number }[] = [];
  const measured = steps.map(() => [] as { ms: number; primes: number }[]);
  await withPool(options.model, workers, async (pool) => {
    // Every worker checks the same warm-up numbers as the main thread did, before the clock.
    await pool.map(cpu.isPrime, Array.from({ length: workers }, () => warm).flat(), { chunksize: 100 });
    const bar = options.progress?.task("primes: map calls", repeat * (steps.length + 1));
    // Round after round, the serial loop then every map call: the serial baseline
    // is measured across the same stretch of time (and the same load) as the runs.
    for (let r = 0; r < repeat; r++) {
      serialRuns.push(timeSerial(numbers));
      bar?.tick();
      for (const [i, step] of steps.entries()) {
        measured[i]?.push(await timeMap(pool, step.order === "random" ? random : numbers, step.chunksize));
        bar?.tick();
      }
    }
    bar?.done();
  });
  const serial = { time: spread(serialRuns.map((x) => x.ms)), primes: serialRuns.at(-1)?.primes ?? 0 };
  const runs: PrimesRun[] = steps.map((step, i) => {
    const mine = measured[i] ?? [];
    const time = spread(mine.map((x) => x.ms));
    const speedup = round(serial.time.median / time.median, 2);
    // A run whose repeats disagree on the count keeps the one that differs from the serial loop.
    const primes = mine.find((x) => x.primes !== serial.primes)?.primes ?? serial.primes;
    return { ...step, time, primes, speedup, problem: measurementProblem(speedup, workers, cores) };
  });
  const { progress: _progress, ...rest } = options;
  return { options: rest, serial, defaultChunksize: def, runs };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

const seconds = (ms: number) => round(ms / 1000, 3);

const ms = (run: { time: Spread }): number => run.time.median;
/** The [min, max] of a run's repeats in seconds, for an error bar. */
const range = (t: Spread): [number, number] => [seconds(t.min), seconds(t.max)];
const runLabel = (r: PrimesRun): string => `${r.sweep} ${r.label}${r.sweep === "order" ? ` ${r.order}` : ""}`;

/** The report's summary, headline, tables, charts and notes for a result. */
export function primesReport(result: PrimesResult): ExperimentResult {
  const { runs, options, serial } = result;
  const def = result.defaultChunksize;
  const sweep = runs.filter((r) => r.sweep === "chunksize");
  const order = runs.filter((r) => r.sweep === "order");
  const chunks = runs.filter((r) => r.sweep === "chunks");
  const best = sweep.reduce((a, b) => (ms(b) < ms(a) ? b : a));
  const worst = sweep.reduce((a, b) => (ms(b) > ms(a) ? b : a));
  const defaultRun = sweep.find((r) => r.label.startsWith("default"));
  const autoRun = sweep.find((r) => r.chunksize === "auto");
  const one = sweep.find((r) => r.chunksize === 1);
  const model = options.model === "threads" ? "ThreadPool" : "ProcessPool";
  const range0 = `${options.start.toLocaleString("en-US")}..${(options.start + options.count - 1).toLocaleString("en-US")}`;
  const repeats = `median of ${options.repeat} run(s)${options.repeat < 3 ? " (fewer than 3: not for conclusions)" : ""}, bars from the fastest to the slowest`;
  const sortedOrder = order.filter((r) => r.order === "sorted");
  const orderPairs = sortedOrder.flatMap((s) => {
    const r = order.find((x) => x.label === s.label && x.order === "random");
    return r === undefined ? [] : [{ label: s.label, sorted: seconds(ms(s)), random: seconds(ms(r)) }];
  });
  const fewest = chunks.reduce<PrimesRun | undefined>((a, b) => (a === undefined || ms(b) < ms(a) ? b : a), undefined);

  const charts: ChartSpec[] = [
    {
      kind: "bar",
      title: "Choosing a chunk size",
      figure: "HPP Figures 9-11 and 9-12",
      caption:
        `${model}(${options.workers}).map(isPrime) over ${options.count.toLocaleString("en-US")} numbers with each chunk size (${repeats}). ` +
        "Chunk size 1 sends one message per number; doubling it halves the messages, until they no longer matter; very " +
        "large chunks leave CPUs idle at the end. " +
        `Here chunk size 1 took ${one === undefined ? "-" : `${seconds(ms(one))} s`}, the best was ${best.label} at ${seconds(ms(best))} s ` +
        `and the slowest ${worst.label} at ${seconds(ms(worst))} s. The default (Python's rule, ceil(n / (workers × 4)) = ${def}) ` +
        `took ${defaultRun === undefined ? "-" : `${seconds(ms(defaultRun))} s`} (the book found it close to the best); "auto", ` +
        `which sizes chunks from measured task times, took ${autoRun === undefined ? "-" : `${seconds(ms(autoRun))} s`}.`,
      xLabel: "chunk size",
      yLabel: "seconds",
      labels: sweep.map((r) => r.label),
      series: [{ label: `${model} map`, values: sweep.map((r) => seconds(ms(r))), errors: sweep.map((r) => range(r.time)) }],
    },
  ];
  if (order.length > 0) {
    const labels = [...new Set(order.map((r) => r.label))];
    const gains = orderPairs.map((g) => `${g.label}: ${g.sorted} s sorted, ${g.random} s shuffled`).join("; ");
    charts.push({
      kind: "bar",
      title: "Randomising the job sequence",
      figure: "HPP Figure 9-13",
      caption:
        `The same numbers in sorted and in shuffled order (${repeats}). Checking costs grow with n, so in sorted order the last ` +
        "chunks are the dearest and may leave a CPU waiting for the final one; shuffling evens the chunks out. The book " +
        `gained about 2%; here, by chunk size: ${gains === "" ? "-" : gains}.`,
      xLabel: "chunk size",
      yLabel: "seconds",
      labels,
      series: (["sorted", "random"] as const).map((o) => {
        const mine = labels.map((l) => order.find((r) => r.label === l && r.order === o));
        return {
          label: o,
          values: mine.map((run) => (run === undefined ? null : seconds(ms(run)))),
          errors: mine.map((run) => (run === undefined ? null : range(run.time))),
        };
      }),
    });
  }
  if (chunks.length > 0) {
    charts.push({
      kind: "line",
      title: "Number of chunks vs number of CPUs",
      figure: "HPP Figure 9-14",
      caption:
        `The range cut into 1..${options.maxChunks} equal chunks on ${options.workers} workers (${repeats}). With fewer chunks than ` +
        "workers, workers idle; with a few more chunks than workers (one more than a multiple), the last round runs on one " +
        "CPU while the others wait. With many chunks the misfit fades: make many small jobs when their run times vary. " +
        `Fastest here: ${fewest === undefined ? "-" : `${fewest.label} chunks, ${seconds(ms(fewest))} s`}.`,
      xLabel: "chunks",
      integerX: true,
      yLabel: "seconds",
      yMin: 0,
      series: [
        {
          label: `${model} map`,
          points: chunks.map((r) => [r.chunks ?? 0, seconds(ms(r))] as [number, number]),
          ranges: chunks.map((r) => range(r.time)),
        },
      ],
    });
  }
  const suspects = runs.filter((r) => r.problem !== undefined);
  const table: ResultTable = {
    title: `Prime checks over ${range0} (${model}, ${options.workers} workers)`,
    columns: ["sweep", "chunk size", "chunks", "order", "seconds (min–max)", "speed-up", "primes", "check"],
    rows: [
      ["serial loop", "-", "-", "sorted", formatSpread(serial.time, 3, 1 / 1000), 1, serial.primes, "ok"],
      ...runs.map((r) => [r.sweep, r.label, r.chunks, r.order, formatSpread(r.time, 3, 1 / 1000), r.speedup, r.primes, r.problem === undefined ? "ok" : "SUSPECT"]),
    ],
    caption:
      `Each time is the median of ${options.repeat} run(s) with (fastest–slowest); the serial loop ran on the main thread after ` +
      `the same warm-up as the workers. Speed-up is median serial / median run. Every run found ${serial.primes} primes. ` +
      "SUSPECT: a speed-up above the core count or one worker >10% faster than serial, a measurement problem (see the notes).",
  };
  const notes: string[] = suspects.map((r) => `Measurement problem, ${runLabel(r)}: ${r.problem}.`);
  if (options.repeat < 3) notes.push(`Each point ran ${options.repeat} time(s) only (fewer than 3): not for conclusions.`);
  if (one !== undefined && worst !== one) {
    notes.push(
      `Chunk size 1 (${seconds(ms(one))} s) was not the slowest here: ${worst.label} (${seconds(ms(worst))} s) was. ` +
        "Very large chunks leave workers idle; with few workers, that can cost more than the messages.",
    );
  }
  if (defaultRun !== undefined && ms(defaultRun) > 1.25 * ms(best)) {
    notes.push(
      `The default chunk size (${seconds(ms(defaultRun))} s) was more than 25% slower than the best (${best.label}, ` +
        `${seconds(ms(best))} s) on this run; the book found it close to the best. Timing noise from other load is the usual cause.`,
    );
  }
  const perNumberUs = (1000 * serial.time.median) / options.count;
  notes.push(
    `A check here cost ${round(perNumberUs, 2)} µs on average (the serial loop's time per number). Above 2^31 V8 divides ` +
      "in floating point and a check weighs about as much as the book's CPython check against a message; below it " +
      "(--start 1000000000) a check is many times cheaper, each message carries less work and small chunk sizes look " +
      "worse than in the book.",
  );
  const mismatch = runs.filter((r) => r.primes !== serial.primes);
  if (mismatch.length > 0) notes.push(`${mismatch.length} run(s) found a different number of primes than the serial loop!`);
  const noConclusion = suspects.length > 0 ? " Some runs are SUSPECT (see the notes): read them as measurement problems, not results." : "";
  return {
    summary:
      `Chunk size 1 took ${one === undefined ? "?" : seconds(ms(one))} s and the default (${def}) ` +
      `${defaultRun === undefined ? "?" : seconds(ms(defaultRun))} s against a best of ${seconds(ms(best))} s (${best.label}); ` +
      `"auto" took ${autoRun === undefined ? "?" : seconds(ms(autoRun))} s (medians). The default is a sensible choice: tune only against it.${noConclusion}`,
    headline: [
      { label: "primes: chunksize 1 vs default", value: `${one === undefined || defaultRun === undefined ? "?" : round(ms(one) / ms(defaultRun), 1)}× slower`, detail: "book: slowest by far" },
      { label: "primes: default vs best chunk size", value: `${defaultRun === undefined ? "?" : round(ms(defaultRun) / ms(best), 2)}×`, detail: "book: close to the best" },
    ],
    tables: [table],
    charts,
    notes,
  };
}

export default defineExperiment({
  name: "primes",
  title: "Finding prime numbers with a pool's map",
  description: "prime checks with map: chunk-size sweep (incl. default and auto), sorted vs random order, chunks vs CPUs",
  source: "HPP ch. 9",
  flags: {
    start: { type: "integer", min: 2, max: 2 ** 50, default: 10_000_000_000, quick: 1_000_000, description: "first number checked (above 2^31 each check costs about 100 µs: a serial run lasts a few seconds)" },
    count: { type: "integer", min: 1, max: 10_000_000, default: 30_000, quick: 2_000, description: "how many consecutive numbers are checked" },
    pool: { type: "string", choices: ["processes", "threads"], default: "processes", description: "the pool's workers" },
    workers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "workers (0: the number of cores)" },
    chunksizes: {
      type: "integers",
      min: 1,
      default: [1, 8, 64, 512, 4096],
      quick: [1, 10, 100],
      description: "chunk sizes of the sweep (the default and auto are always added)",
    },
    orderChunksizes: {
      type: "integers",
      min: 1,
      default: [64],
      quick: [100],
      description: "chunk sizes run in sorted and shuffled order (the default is always added)",
    },
    maxChunks: { type: "integer", min: 0, max: 256, default: 0, quick: 4, description: "largest number of chunks in the chunks sweep (0: 2 × workers)" },
    repeat: { type: "integer", min: 1, default: 3, quick: 1, description: "runs per point and of the serial loop (median and min-max shown)" },
    seed: { type: "integer", default: 1, description: "the number the shuffle's generator starts from" },
  },
  async run(ctx) {
    const { flags } = ctx;
    const workers = flags.workers === 0 ? ctx.machine.cores || availableParallelism() : flags.workers;
    const result = await runPrimes({
      start: flags.start,
      count: flags.count,
      model: flags.pool as PoolModel,
      workers,
      chunksizes: flags.chunksizes,
      orderChunksizes: flags.orderChunksizes,
      maxChunks: flags.maxChunks === 0 ? 2 * workers : flags.maxChunks,
      repeat: flags.repeat,
      cores: ctx.machine.cores || availableParallelism(),
      seed: flags.seed,
      progress: ctx.progress,
    });
    return primesReport(result);
  },
});
