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
  /** Runs per point; the fastest is kept, as the book does. */
  repeat: number;
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
  ms: number;
  primes: number;
}

export interface PrimesResult {
  options: Omit<PrimesOptions, "progress">;
  /** Serial loop on the main thread, for reference. */
  serial: { ms: number; primes: number };
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

async function timeMap(
  pool: Executor,
  numbers: readonly number[],
  chunksize: number | "auto",
  repeat: number,
): Promise<{ ms: number; primes: number }> {
  let best = Number.POSITIVE_INFINITY;
  let primes = 0;
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    const flags = await pool.map(cpu.isPrime, numbers, { chunksize });
    best = Math.min(best, performance.now() - start);
    primes = 0;
    for (const f of flags) if (f) primes++;
  }
  return { ms: round(best, 1), primes };
}

/** Runs the experiment. */
export async function runPrimes(options: PrimesOptions): Promise<PrimesResult> {
  const { start, count, workers, repeat } = options;
  const numbers = Array.from({ length: count }, (_, i) => start + i);
  const random = shuffled(numbers, options.seed);
  const def = defaultChunksize(count, workers);

  type Step = Omit<PrimesRun, "ms" | "primes">;
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

  const serialStart = performance.now();
  let serialPrimes = 0;
  for (const n of numbers) if (isPrime(n)) serialPrimes++;
  const serial = { ms: round(performance.now() - serialStart, 1), primes: serialPrimes };

  const runs = await withPool(options.model, workers, async (pool) => {
    const out: PrimesRun[] = [];
    const bar = options.progress?.task("primes: map calls", steps.length);
    for (const step of steps) {
      const measured = await timeMap(pool, step.order === "random" ? random : numbers, step.chunksize, repeat);
      out.push({ ...step, ...measured });
      bar?.tick();
    }
    bar?.done();
    return out;
  });
  const { progress: _progress, ...rest } = options;
  return { options: rest, serial, defaultChunksize: def, runs };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

const seconds = (ms: number) => round(ms / 1000, 3);

/** The report's summary, headline, tables, charts and notes for a result. */
export function primesReport(result: PrimesResult): ExperimentResult {
  const { runs, options, serial } = result;
  const def = result.defaultChunksize;
  const sweep = runs.filter((r) => r.sweep === "chunksize");
  const order = runs.filter((r) => r.sweep === "order");
  const chunks = runs.filter((r) => r.sweep === "chunks");
  const best = sweep.reduce((a, b) => (b.ms < a.ms ? b : a));
  const worst = sweep.reduce((a, b) => (b.ms > a.ms ? b : a));
  const defaultRun = sweep.find((r) => r.label.startsWith("default"));
  const autoRun = sweep.find((r) => r.chunksize === "auto");
  const one = sweep.find((r) => r.chunksize === 1);
  const model = options.model === "threads" ? "ThreadPool" : "ProcessPool";
  const range = `${options.start.toLocaleString("en-US")}..${(options.start + options.count - 1).toLocaleString("en-US")}`;

  const charts: ChartSpec[] = [
    {
      kind: "bar",
      title: "Choosing a chunk size",
      figure: "HPP Figures 9-11 and 9-12",
      caption:
        `${model}(${options.workers}).map(isPrime) over ${options.count.toLocaleString("en-US")} numbers with each chunk size. ` +
        "Chunk size 1 sends one message per number and the message channel becomes the bottleneck; doubling it halves the " +
        "overhead, until it no longer matters. Very large chunks leave CPUs idle at the end. The default " +
        `(Python's rule, ceil(n / (workers × 4)) = ${def}) was close to the best in the book; here it took ` +
        `${defaultRun === undefined ? "?" : seconds(defaultRun.ms)} s against ${seconds(best.ms)} s for the best (${best.label}). ` +
        '"auto" sizes chunks from measured task times.',
      xLabel: "chunk size",
      yLabel: "seconds",
      labels: sweep.map((r) => r.label),
      series: [{ label: `${model} map`, values: sweep.map((r) => seconds(r.ms)) }],
    },
  ];
  if (order.length > 0) {
    const labels = [...new Set(order.map((r) => r.label))];
    charts.push({
      kind: "bar",
      title: "Randomising the job sequence",
      figure: "HPP Figure 9-13",
      caption:
        "The same numbers in sorted and in shuffled order. Checking costs grow with n, so in sorted order the last chunks are " +
        "the dearest and may leave a CPU waiting for the final one; shuffling evens the chunks out. The book gained about 2%.",
      xLabel: "chunk size",
      yLabel: "seconds",
      labels,
      series: (["sorted", "random"] as const).map((o) => ({
        label: o,
        values: labels.map((l) => {
          const run = order.find((r) => r.label === l && r.order === o);
          return run === undefined ? null : seconds(run.ms);
        }),
      })),
    });
  }
  if (chunks.length > 0) {
    charts.push({
      kind: "line",
      title: "Number of chunks vs number of CPUs",
      figure: "HPP Figure 9-14",
      caption:
        `The range cut into 1..${options.maxChunks} equal chunks on ${options.workers} workers. With fewer chunks than workers, ` +
        "workers idle; with a few more chunks than workers (one more than a multiple), the last round runs on one CPU while " +
        "the others wait. With many chunks the misfit fades: make many small jobs when their run times vary.",
      xLabel: "chunks",
      yLabel: "seconds",
      yMin: 0,
      series: [{ label: `${model} map`, points: chunks.map((r) => [r.chunks ?? 0, seconds(r.ms)] as [number, number]) }],
    });
  }
  const table: ResultTable = {
    title: `Prime checks over ${range} (${model}, ${options.workers} workers)`,
    columns: ["sweep", "chunk size", "chunks", "order", "seconds", "primes"],
    rows: [
      ["serial loop", "-", "-", "sorted", seconds(serial.ms), serial.primes],
      ...runs.map((r) => [r.sweep, r.label, r.chunks, r.order, seconds(r.ms), r.primes]),
    ],
    caption: `Each time is the fastest of ${options.repeat} run(s), as the book keeps the fastest. Every run found ${serial.primes} primes.`,
  };
  const notes: string[] = [];
  if (one !== undefined && worst !== one) {
    notes.push(
      `Chunk size 1 (${seconds(one.ms)} s) was not the slowest here: ${worst.label} (${seconds(worst.ms)} s) was. ` +
        "Very large chunks leave workers idle; with few workers, that can cost more than the messages.",
    );
  }
  if (defaultRun !== undefined && defaultRun.ms > 1.25 * best.ms) {
    notes.push(
      `The default chunk size (${seconds(defaultRun.ms)} s) was more than 25% slower than the best (${best.label}, ` +
        `${seconds(best.ms)} s) on this run; the book found it close to the best. Timing noise from other load is the usual cause.`,
    );
  }
  const perNumberUs = (1000 * serial.ms) / options.count;
  notes.push(
    `A check here cost ${round(perNumberUs, 2)} µs on average (the serial loop's time per number), several times less ` +
      "than the book's CPython check: V8 compiles the trial division to machine code (and numbers below 2^31 use integer " +
      "division). So each message carries less work than in the book, small chunk sizes look worse, and the parallel " +
      "speed-up over the serial loop is smaller; with larger numbers (--start 10000000000) the checks cost more and the " +
      "shape moves toward the book's.",
  );
  const mismatch = runs.filter((r) => r.primes !== serial.primes);
  if (mismatch.length > 0) notes.push(`${mismatch.length} run(s) found a different number of primes than the serial loop!`);
  return {
    summary:
      `Chunk size 1 took ${one === undefined ? "?" : seconds(one.ms)} s and the default (${def}) ` +
      `${defaultRun === undefined ? "?" : seconds(defaultRun.ms)} s against a best of ${seconds(best.ms)} s (${best.label}); ` +
      `"auto" took ${autoRun === undefined ? "?" : seconds(autoRun.ms)} s. The default is a sensible choice: tune only against it.`,
    headline: [
      { label: "primes: chunksize 1 vs default", value: `${one === undefined || defaultRun === undefined ? "?" : round(one.ms / defaultRun.ms, 1)}× slower`, detail: "book: slowest by far" },
      { label: "primes: default vs best chunk size", value: `${defaultRun === undefined ? "?" : round(defaultRun.ms / best.ms, 2)}×`, detail: "book: close to the best" },
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
    start: { type: "integer", min: 2, max: 2 ** 50, default: 1_000_000_000, quick: 1_000_000, description: "first number checked" },
    count: { type: "integer", min: 1, max: 10_000_000, default: 100_000, quick: 2_000, description: "how many consecutive numbers are checked" },
    pool: { type: "string", choices: ["processes", "threads"], default: "processes", description: "the pool's workers" },
    workers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "workers (0: the number of cores)" },
    chunksizes: {
      type: "integers",
      min: 1,
      default: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1000, 5000, 10_000, 50_000, 100_000],
      quick: [1, 10, 100],
      description: "chunk sizes of the sweep (the default and auto are always added)",
    },
    orderChunksizes: {
      type: "integers",
      min: 1,
      default: [16, 64, 256, 1000, 10_000],
      quick: [100],
      description: "chunk sizes run in sorted and shuffled order (the default is always added)",
    },
    maxChunks: { type: "integer", min: 0, max: 256, default: 0, quick: 4, description: "largest number of chunks in the chunks sweep (0: 4 × workers + 2)" },
    repeat: { type: "integer", min: 1, default: 2, quick: 1, description: "runs per point (the fastest is kept)" },
    seed: { type: "integer", default: 1, description: "seed of the shuffle" },
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
      maxChunks: flags.maxChunks === 0 ? 4 * workers + 2 : flags.maxChunks,
      repeat: flags.repeat,
      seed: flags.seed,
      progress: ctx.progress,
    });
    return primesReport(result);
  },
});
