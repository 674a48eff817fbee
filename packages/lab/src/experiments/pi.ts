/**
 * `juggle lab pi`: Monte Carlo pi, serial vs ThreadPool vs ProcessPool with
 * 1..N workers, plain loop vs typed arrays, with the machine's CPU
 * utilisation sampled during every run (High Performance Python ch. 9,
 * Figures 9-2 to 9-9).
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { type CpuTimeline, cpusBusy, sampleWhile } from "../cpu-sampler.js";
import { type ChartSpec, defineExperiment, type ExperimentResult, type ResultTable } from "../experiment.js";
import type { Progress } from "../progress.js";
import { chunkSeed, piLoop, piTyped } from "../tasks/cpu.js";
import { measurementProblem } from "../measurement-check.js";
import type { PythonInfo } from "../python.js";
import { hasRuns, pythonAnswer } from "../python/run-python.js";
import { pythonBeside } from "../python/python-side.js";
import { type Spread, spread } from "../spread.js";
import { cpu, median, oneTo, type PoolModel, round, split, withPool } from "./cpu-bench.js";

/** The two kernels: the plain loop (Example 9-1) and the batched typed-array one (Example 9-3, numpy). */
export type PiKernel = "loop" | "typed";

/** Options of the pi experiment. */
export interface PiOptions {
  /** Darts thrown per run (split evenly across workers). */
  darts: number;
  /** Largest worker count tried (runs go 1..maxWorkers). */
  maxWorkers: number;
  kernels: readonly PiKernel[];
  models: readonly ("serial" | PoolModel)[];
  /** Seed of the run; each chunk derives its own with `chunkSeed`. */
  seed: number;
  /** CPU sampling interval, ms. */
  sampleMs: number;
  /** Runs of each configuration (the median is shown, with min and max). Default 1. */
  repeats?: number;
  /** Cores, for the measurement check. Default: `availableParallelism()`. */
  cores?: number;
  /** Where to report progress (one tick per run). */
  progress?: Progress;
}

/** One measured run. */
export interface PiRun {
  kernel: PiKernel;
  model: "serial" | PoolModel;
  workers: number;
  /** Median wall time of the repeated runs, ms; `minMs`/`maxMs` their range. */
  ms: number;
  minMs: number;
  maxMs: number;
  inside: number;
  darts: number;
  pi: number;
  /** Mean CPUs busy on the whole machine during the run. */
  cpusBusy: number;
  /** Speed-up against the serial run of the same kernel (medians). */
  speedup: number;
  /** Why the speed-up cannot be true (see `measurement-check.ts`), when it cannot. */
  problem?: string;
  /** CPU utilisation of the last of the repeated runs. */
  timeline: CpuTimeline;
}

/** Python's runs of the book's program (`python/pi.py`): its own dart count, compared per dart. */
export interface PythonPi {
  version: string;
  darts: number;
  runs: { model: "serial" | PoolModel; workers: number; ms: Spread; inside: number }[];
}

/**
 * Runs `python/pi.py` (HPP Example 9-1 on the standard library) serially and on 1..maxWorkers threads and processes.
 *
 * Python: the book's own program.
 */
export async function runPythonPi(python: PythonInfo, options: { darts: number; maxWorkers: number; repeats: number; seed: number }, signal?: AbortSignal): Promise<PythonPi> {
  const answer = await pythonAnswer(
    python.command,
    "pi",
    { darts: options.darts, max_workers: options.maxWorkers, repeats: options.repeats, seed: options.seed },
    { signal, accept: hasRuns<{ model: "serial" | PoolModel; workers: number; ms: number[]; inside: number }> },
  );
  return { version: python.version, darts: options.darts, runs: answer.runs.map((r) => ({ ...r, ms: spread(r.ms) })) };
}

/** The side-by-side table and speed-up chart of juggle's loop kernel and Python's program. */
function addPython(report: ExperimentResult, result: PiResult, py: PythonPi, cores: number): void {
  const js = result.runs.filter((r) => r.kernel === "loop");
  if (js.length === 0) return;
  const ns = (ms: number, darts: number): number => round((ms * 1e6) / darts, 1);
  const pySerial = py.runs.find((r) => r.model === "serial");
  const rows = js.map((r) => {
    const p = py.runs.find((x) => x.model === r.model && x.workers === r.workers);
    const jsNs = ns(r.ms, r.darts);
    const pyNs = p === undefined ? null : ns(p.ms.median, py.darts);
    const pySpeedup = p === undefined || pySerial === undefined ? null : round(pySerial.ms.median / p.ms.median, 2);
    return [label(r), jsNs, pyNs, pyNs === null ? null : `${round(pyNs / jsNs, 1)}x`, r.speedup, pySpeedup] as (string | number | null)[];
  });
  report.tables.push({
    title: `juggle and Python ${py.version} side by side: ns per dart (loop kernel)`,
    columns: ["run", "juggle ns/dart", "Python ns/dart", "Python / juggle", "juggle speed-up", "Python speed-up"],
    rows,
    caption:
      `Sizes differ (CPython runs this loop tens of times slower than V8): juggle threw ${result.options.darts.toLocaleString("en-US")} darts per run, ` +
      `Python ${py.darts.toLocaleString("en-US")}, so time per dart is compared. Python medians of ${py.runs[0]?.ms.runs.length ?? 0} run(s), measured live on this machine.`,
  });
  const speedups = (model: PoolModel): [number, number][] =>
    py.runs.filter((r) => r.model === model && pySerial !== undefined).map((r) => [r.workers, round((pySerial as (typeof py.runs)[number]).ms.median / r.ms.median, 2)]);
  report.charts.splice(2, 0, {
    kind: "line",
    title: "Monte Carlo pi: speed-up, juggle and Python",
    figure: "HPP Figure 9-8",
    caption: `Speed-up over each language's own serial run, measured in this run (ideal: one core per worker, capped at ${cores}). ${pythonThreadsSentence(speedups("threads"))}`,
    xLabel: "workers",
    integerX: true,
    yLabel: "speed-up (×)",
    yMin: 0,
    series: [
      { label: "juggle threads (loop)", points: js.filter((r) => r.model === "threads").map((r) => [r.workers, r.speedup]) },
      { label: "juggle processes (loop)", points: js.filter((r) => r.model === "processes").map((r) => [r.workers, r.speedup]) },
      { label: `Python ${py.version} threads`, points: speedups("threads") },
      { label: `Python ${py.version} processes`, points: speedups("processes") },
    ],
  });
}

/** What Python's threads did, from the data. */
function pythonThreadsSentence(points: [number, number][]): string {
  const best = points.reduce((a, b) => (b[1] > a[1] ? b : a), [0, 0] as [number, number]);
  return best[1] < 1.2
    ? `Python's threads never ran much faster than serial (best ${best[1]}x): the GIL lets one thread run bytecode at a time.`
    : `Python's threads reached ${best[1]}x with ${best[0]} workers.`;
}

export interface PiResult {
  options: Omit<PiOptions, "progress">;
  /** The Python side, when python3 ran it. */
  python?: PythonPi;
  runs: PiRun[];
  /** Counts of two workers seeded identically vs distinctly (the book's numpy pitfall). */
  seeding: { identical: [number, number]; distinct: [number, number] };
}

const kernels = { loop: piLoop, typed: piTyped } as const;

/** Darts of the warm-up before the clock (split across the workers). */
const WARM_DARTS = 1_000_000;
const refs = { loop: cpu.piLoop, typed: cpu.piTyped } as const;

/** Runs the experiment. */
export async function runPi(options: PiOptions): Promise<PiResult> {
  const { darts, maxWorkers, seed, sampleMs } = options;
  const repeats = options.repeats ?? 1;
  const cores = options.cores ?? availableParallelism();
  const plan: { kernel: PiKernel; model: "serial" | PoolModel; workers: number }[] = [];
  for (const kernel of options.kernels) {
    for (const model of options.models) {
      if (model === "serial") plan.push({ kernel, model, workers: 1 });
      else for (const workers of oneTo(maxWorkers)) plan.push({ kernel, model, workers });
    }
  }
  const runs: PiRun[] = [];
  const bar = options.progress?.task("pi: runs", plan.length);
  for (const step of plan) {
    const shares = split(darts, step.workers);
    const args = shares.map((n, i) => [n, chunkSeed(seed, i)] as [number, number]);
    const times: number[] = [];
    let inside = 0;
    let timeline: CpuTimeline | undefined;
    // The same warm-up on both sides: the kernel runs once on a small share
    // before the clock, on the main thread for serial and in every worker for
    // the pools, so neither side measures a cold JIT the other does not.
    const warm = Math.max(1, Math.floor(Math.min(darts, WARM_DARTS) / step.workers));
    if (step.model === "serial") {
      const kernel = kernels[step.kernel];
      kernel(warm, seed);
      for (let r = 0; r < repeats; r++) {
        const sampled = await sampleWhile(() => {
          const start = performance.now();
          const count = kernel(darts, chunkSeed(seed, 0));
          return { count, ms: performance.now() - start };
        }, { intervalMs: sampleMs });
        inside = sampled.result.count;
        times.push(sampled.result.ms);
        timeline = sampled.timeline;
      }
    } else {
      await withPool(step.model, step.workers, async (pool) => {
        await pool.starmap(refs[step.kernel], args.map(([, s]) => [warm, s] as [number, number]), { chunksize: 1 });
        for (let r = 0; r < repeats; r++) {
          const sampled = await sampleWhile(async () => {
            const start = performance.now();
            const counts = await pool.starmap(refs[step.kernel], args, { chunksize: 1 });
            return { count: counts.reduce((a, b) => a + b, 0), ms: performance.now() - start };
          }, { intervalMs: sampleMs });
          inside = sampled.result.count;
          times.push(sampled.result.ms);
          timeline = sampled.timeline;
        }
      });
    }
    const ms = median(times);
    runs.push({
      ...step,
      ms: round(ms, 1),
      minMs: round(Math.min(...times), 1),
      maxMs: round(Math.max(...times), 1),
      inside,
      darts,
      pi: (4 * inside) / darts,
      cpusBusy: round(cpusBusy(timeline as CpuTimeline), 2),
      speedup: 0,
      timeline: timeline as CpuTimeline,
    });
    bar?.tick();
  }
  bar?.done();
  for (const run of runs) {
    const serial = runs.find((r) => r.kernel === run.kernel && r.model === "serial")
      ?? runs.find((r) => r.kernel === run.kernel && r.workers === 1);
    run.speedup = serial === undefined ? 1 : round(serial.ms / run.ms, 2);
    if (run.model !== "serial") run.problem = measurementProblem(run.speedup, run.workers, cores);
  }
  const small = Math.min(darts, 100_000);
  const seeding = {
    identical: [piTyped(small, seed), piTyped(small, seed)] as [number, number],
    distinct: [piTyped(small, chunkSeed(seed, 0)), piTyped(small, chunkSeed(seed, 1))] as [number, number],
  };
  const { progress: _progress, ...rest } = options;
  return { options: rest, runs, seeding };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

const seconds = (ms: number) => round(ms / 1000, 3);

function label(run: Pick<PiRun, "kernel" | "model" | "workers">): string {
  return run.model === "serial" ? `${run.kernel}, serial` : `${run.kernel}, ${run.model} ×${run.workers}`;
}

/** What the CPU chart shows, from its own samples: how many CPUs were mostly busy. */
function busySentence(timeline: CpuTimeline, workers: number): string {
  const means = Array.from({ length: timeline.cpuCount }, (_, c) => {
    const xs = timeline.samples.map((s) => s.cpus[c] ?? 0);
    return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
  });
  const busy = means.filter((m) => m >= 50).length;
  const expected = Math.min(workers, timeline.cpuCount);
  return busy === expected
    ? `${busy} of the ${timeline.cpuCount} CPUs were mostly busy (over 50% on average), as expected with ${workers} worker(s).`
    : `${busy} of the ${timeline.cpuCount} CPUs were mostly busy (over 50% on average) where ${expected} would be expected with ${workers} worker(s): other work on the machine was using CPU during the run.`;
}

/** The report's charts for a result. */
export function piCharts(result: PiResult, cores: number): ChartSpec[] {
  const { runs, options } = result;
  const charts: ChartSpec[] = [];
  const maxWorkers = options.maxWorkers;
  const series: { label: string; points: [number, number][]; ranges?: [number, number][] }[] = [];
  for (const kernel of options.kernels) {
    const serial = runs.find((r) => r.kernel === kernel && r.model === "serial");
    if (serial !== undefined) {
      series.push({ label: `${kernel}: serial (reference)`, points: oneTo(maxWorkers).map((w) => [w, seconds(serial.ms)]) });
    }
    for (const model of ["threads", "processes"] as const) {
      const mine = runs.filter((r) => r.kernel === kernel && r.model === model);
      const points = mine.map((r) => [r.workers, seconds(r.ms)] as [number, number]);
      const ranges = mine.map((r) => [seconds(r.minMs), seconds(r.maxMs)] as [number, number]);
      if (points.length > 0) series.push({ label: `${kernel}: ${model}`, points, ranges });
    }
  }
  charts.push({
    kind: "line",
    title: "Monte Carlo pi: run time by number of workers",
    figure: "HPP Figures 9-2 and 9-9",
    caption:
      `The same ${options.darts.toLocaleString("en-US")} darts split evenly across 1..${maxWorkers} workers. ` +
      `Time falls as workers are added up to the ${cores} cores of this machine and then stays flat: ` +
      "extra workers only share the same cores (the book's hyperthreads gave little for the same reason). " +
      "Unlike the book's Python threads, which ran slower than one thread, juggle's threads scale like processes.",
    xLabel: "workers",
    integerX: true,
    yLabel: "seconds",
    series,
    yMin: 0,
  });
  const speedup: { label: string; points: [number, number][] }[] = [
    { label: "ideal (one core per worker)", points: oneTo(maxWorkers).map((w) => [w, Math.min(w, cores)]) },
  ];
  for (const kernel of options.kernels) {
    for (const model of ["threads", "processes"] as const) {
      const points = runs.filter((r) => r.kernel === kernel && r.model === model).map((r) => [r.workers, r.speedup] as [number, number]);
      if (points.length > 0) speedup.push({ label: `${kernel}: ${model}`, points });
    }
  }
  charts.push({
    kind: "line",
    title: "Monte Carlo pi: speed-up over the serial loop",
    caption: `Speed-up of each run against the serial run of the same kernel; the ideal is one core per worker, capped at ${cores}.`,
    xLabel: "workers",
    integerX: true,
    yLabel: "speed-up (×)",
    series: speedup,
    yMin: 0,
  });
  // Figures 9-3 to 9-8: CPU utilisation over time, one small panel per run, in one figure.
  charts.push({
    kind: "multiples",
    title: "CPU utilisation of every run",
    figure: "HPP Figures 9-3 to 9-8",
    caption:
      `Each panel is one run (the last of its repeats); each line one of the machine's ${runs[0]?.timeline.cpuCount ?? cores} CPUs, sampled every ` +
      `${runs[0]?.timeline.intervalMs ?? options.sampleMs} ms (the whole machine is sampled, as in the book). ` +
      runs.map((run) => `${label(run)}: ${busySentence(run.timeline, run.model === "serial" ? 1 : run.workers)}`).join(" "),
    panels: runs.map((run) => ({
      kind: "line",
      title: `${label(run)} (${seconds(run.ms)} s)`,
      caption: busySentence(run.timeline, run.model === "serial" ? 1 : run.workers),
      xLabel: "seconds",
      yLabel: "CPU %",
      yMin: 0,
      yMax: 100,
      series: Array.from({ length: run.timeline.cpuCount }, (_, c) => ({
        label: `CPU ${c}`,
        points: run.timeline.samples.map((s) => [round(s.t / 1000, 2), round(s.cpus[c] ?? 0, 0)] as [number, number]),
      })),
    })),
  });
  return charts;
}

/** The report's table for a result. */
export function piTable(result: PiResult): ResultTable {
  return {
    title: "Monte Carlo pi",
    columns: ["kernel", "model", "workers", "seconds (min–max)", "speed-up", "pi", "CPUs busy", "check"],
    rows: result.runs.map((r) => [
      r.kernel,
      r.model,
      r.workers,
      r.minMs === r.maxMs ? `${seconds(r.ms)}` : `${seconds(r.ms)} (${seconds(r.minMs)}–${seconds(r.maxMs)})`,
      r.speedup,
      round(r.pi, 5),
      r.cpusBusy,
      r.problem === undefined ? "ok" : "SUSPECT",
    ]),
    caption:
      `Median of ${result.options.repeats ?? 1} run(s) per row, (min–max). Speed-up is median serial / median run, same kernel. ` +
      "SUSPECT: a speed-up above the core count or one worker >10% faster than serial, a measurement problem (see the notes).",
  };
}

export default defineExperiment({
  name: "pi",
  title: "Estimating pi with threads and processes",
  description: "Monte Carlo pi: serial vs ThreadPool vs ProcessPool with 1..2×cores workers, loop vs typed arrays, CPU use over time",
  source: "HPP ch. 9",
  flags: {
    darts: { type: "integer", min: 1, default: 250_000_000, quick: 200_000, description: "darts thrown per run (sized so a serial run lasts well over a second)" },
    maxWorkers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "largest worker count (0: the cores + 1)" },
    repeats: { type: "integer", min: 1, max: 100, default: 3, quick: 1, description: "runs of each configuration (median and min-max shown)" },
    pythonDarts: { type: "integer", min: 1, default: 5_000_000, quick: 50_000, description: "darts per run of the Python side (CPython is far slower: time per dart is compared)" },
    kernel: { type: "string", choices: ["both", "loop", "typed"], default: "both", description: "which kernel(s) to run" },
    seed: { type: "integer", default: 1, description: "the number every chunk's generator starts from (with the chunk's index)" },
    sampleMs: { type: "integer", min: 10, default: 100, quick: 50, description: "CPU sampling interval, ms" },
  },
  async run(ctx) {
    const cores = ctx.machine.cores || availableParallelism();
    const { flags } = ctx;
    const result = await runPi({
      darts: flags.darts,
      maxWorkers: flags.maxWorkers === 0 ? cores + 1 : flags.maxWorkers,
      repeats: flags.repeats,
      cores,
      kernels: flags.kernel === "both" ? ["loop", "typed"] : [flags.kernel as PiKernel],
      models: ["serial", "threads", "processes"],
      seed: flags.seed,
      sampleMs: flags.sampleMs,
      progress: ctx.progress,
    });
    const py = await pythonBeside(ctx, "pi: Python side", (python) =>
      runPythonPi(python, { darts: flags.pythonDarts, maxWorkers: result.options.maxWorkers, repeats: flags.repeats, seed: flags.seed }, ctx.signal),
    );
    result.python = py.value;
    return py.finish(piReport(result, cores));
  },
});

/** Turns a result into the report's summary, headline, tables, charts and notes. */
export function piReport(result: PiResult, cores: number): ExperimentResult {
  const { runs } = result;
  const at = Math.min(cores, result.options.maxWorkers);
  const kernel = result.options.kernels[0] as PiKernel;
  const find = (k: PiKernel, model: PiRun["model"], workers: number) =>
    runs.find((r) => r.kernel === k && r.model === model && r.workers === workers);
  const threads = find(kernel, "threads", at);
  const processes = find(kernel, "processes", at);
  const notes: string[] = [
    "Why juggle's threads scale where Python's do not: CPython runs one thread's bytecode at a time (the GIL), so the " +
      "book's four threads took 160 s where one process took 120 s (Figure 9-8). A Node worker thread is a separate V8 " +
      "isolate with its own heap, event loop and JIT-compiled code; nothing is shared unless asked for (SharedArrayBuffer), " +
      "so threads run JavaScript truly in parallel and scale with the cores like processes, at a lower start-up and " +
      "messaging cost.",
    "Pools are started and warmed up before the clock starts, as the book builds its Pool before t1 = time.time().",
  ];
  if (result.options.kernels.includes("loop") && result.options.kernels.includes("typed")) {
    const loop = find("loop", "serial", 1);
    const typed = find("typed", "serial", 1);
    if (loop !== undefined && typed !== undefined) {
      notes.push(
        `Loop vs typed arrays: serially the plain loop took ${seconds(loop.ms)} s and the typed-array ("numpy") version ` +
          `${seconds(typed.ms)} s (${round(loop.ms / typed.ms, 2)}×). This differs from the book, where numpy was over 50× ` +
          "faster than Python floats: that gap is CPython's interpreter cost per float object. V8 already compiles the plain " +
          "loop to machine code with unboxed doubles, so batching into typed arrays saves little and adds memory traffic.",
      );
    }
  }
  const [a, b] = result.seeding.identical;
  const [c, d] = result.seeding.distinct;
  notes.push(
    `Generators started alike (the book's numpy pitfall): two workers whose generators started from the same state threw identical darts (${a} and ${b} inside), so ` +
      `two workers' worth of work gave one worker's estimate; every chunk here starts its generator from its own state (${c} and ${d}).`,
  );
  for (const run of runs) {
    if (run.problem !== undefined) notes.unshift(`Measurement problem, ${label(run)}: ${run.problem}.`);
  }
  for (const run of [threads, processes]) {
    if (run !== undefined && run.problem === undefined && cores >= 2 && run.speedup < 0.75 * at) {
      notes.push(
        `${label(run)} reached a ${run.speedup}× speed-up where about ${at}× was expected: other work was competing for ` +
          `the CPUs during the run (see its CPU chart).`,
      );
    }
  }
  const suspect = [threads, processes].some((r) => r?.problem !== undefined);
  const scaled = !suspect && [threads, processes].every((r) => r !== undefined && r.speedup >= 0.75 * at);
  const summary =
    `With ${at} workers on ${cores} cores, the ${kernel} kernel ran ${threads?.speedup ?? "?"}× as fast on threads and ` +
    `${processes?.speedup ?? "?"}× on processes as serially` +
    (suspect
      ? ", but at least one of these speed-ups is impossible on this machine (see the measurement problems in the notes): no conclusion from this run."
      : scaled
      ? ": CPU-bound JavaScript scales with the cores on both, because worker threads have no GIL."
      : `, short of the ~${at}× expected: at this size the runs are too short (or the machine was busy) for the start-up ` +
        "and messaging costs to vanish; run with more --darts.");
  const report: ExperimentResult = {
    summary,
    headline: [
      { label: `pi: threads ×${at} speed-up`, value: `${threads?.speedup ?? "?"}×`, detail: threads?.problem === undefined ? "book (Python threads): slower than 1" : "measurement problem: see notes" },
      { label: `pi: processes ×${at} speed-up`, value: `${processes?.speedup ?? "?"}×`, detail: processes?.problem === undefined ? `book: ~${at}× on ${at} cores` : "measurement problem: see notes" },
    ],
    tables: [piTable(result)],
    charts: piCharts(result, cores),
    notes,
  };
  if (result.python !== undefined) addPython(report, result, result.python, cores);
  return report;
}
