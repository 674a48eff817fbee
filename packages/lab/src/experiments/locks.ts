/**
 * `juggle lab locks`: several workers update one shared counter and one
 * shared file (High Performance Python ch. 9, "Synchronizing File and
 * Variable Access"; the "Concurrent Programming" lesson's locks). Without a lock, updates are lost;
 * with one, none are. The counts are the result.
 *
 * This is a demonstration: how many updates are lost without a lock depends
 * on how the workers happen to interleave, and may even be zero on an idle
 * machine with one core. With the lock the count is always exact.
 *
 * @module
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Process } from "juggle-core";
import { Thread } from "juggle-core";
import { Lock } from "juggle-core/shared-memory";
import { Manager } from "juggle-core/shared-memory";
import { Value } from "juggle-core/shared-memory";
import { type ChartSpec, defineExperiment, type ExperimentResult } from "../experiment.js";
import type { Progress } from "../progress.js";
import { formatSpread, type Spread, spread } from "../spread.js";
import type { FileWork } from "../tasks/ipc.js";
import { ipc, round } from "./cpu-bench.js";

export interface LocksOptions {
  /** Workers updating the shared state at once. */
  workers: number;
  /** Counter increments per worker. */
  increments: number;
  /** File read-increment-writes per worker (each is a few system calls). */
  fileIncrements: number;
  /** Also run the updates from processes, through a `Manager` (their counter increments per worker). */
  processIncrements: number;
  /** Rounds: every run once per round (the median is shown, with min and max). Default 1. */
  repeats?: number;
  /** Where to report progress (one tick per run). */
  progress?: Progress;
}

/** One run: `workers` threads doing `expected` updates in all. */
export interface LocksRun {
  target: "counter" | "file";
  /** "no lock", "lock", or "Atomics.add" (no lock needed: one atomic instruction). */
  variant: "no lock" | "lock" | "Atomics.add";
  model: "threads" | "processes";
  workers: number;
  expected: number;
  /** What the shared counter or file held at the end (the median of the rounds). */
  count: number;
  /** What it held in each round: median, min and max. */
  counted: Spread;
  /** Updates lost: expected − count. */
  lost: number;
  /** File runs: reads that found the file truncated by another writer (skipped), over every round. */
  tornReads: number;
  /** Wall time of the rounds, ms. */
  time: Spread;
}

/** One round of one run, before the rounds are summarised. */
type Measured = Omit<LocksRun, "counted" | "time"> & { ms: number };

export interface LocksResult {
  options: Omit<LocksOptions, "progress">;
  runs: LocksRun[];
}

function gate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

async function runAll<T>(workers: (Thread | Process)[]): Promise<T[]> {
  for (const w of workers) w.start();
  // The workers meet at a start gate. One that dies (or fails to load) never
  // arrives there and the others would wait for it forever, so the first
  // failure stops them all.
  await Promise.all(
    workers.map(async (w) => {
      await w.join();
      if (w.error !== undefined || w.exitCode !== 0) {
        for (const other of workers) if (other.isAlive) other.terminate();
      }
    }),
  );
  return workers.map((w) => {
    if (w.error !== undefined) throw w.error;
    if (w.exitCode !== 0) throw new Error(`Cannot finish lab locks as worker ${w.name} exited with code ${w.exitCode}`);
    return w.result as T;
  });
}

/**
 * The book's version: processes, which share no memory, update a counter
 * held by a `Manager` (a load and a store, two round trips) and the file,
 * with and without a manager `Lock`.
 */
async function processRuns(options: LocksOptions, dir: string, tick: () => void): Promise<Measured[]> {
  const { workers, processIncrements, fileIncrements } = options;
  const runs: Measured[] = [];
  await using manager = await Manager.start();
  for (const variant of ["no lock", "lock"] as const) {
    const counter = manager.value(0);
    const lock = manager.lock();
    const arrived = manager.value(0);
    const go = manager.event();
    const start = performance.now();
    await runAll(
      Array.from({ length: workers }, () =>
        variant === "lock"
          ? new Process({ target: ipc.incrementRemoteLocked, args: [counter, lock, processIncrements, arrived, go, workers] })
          : new Process({ target: ipc.incrementRemoteUnlocked, args: [counter, processIncrements, arrived, go, workers] }),
      ),
    );
    const ms = performance.now() - start;
    const count = await counter.load();
    const expected = workers * processIncrements;
    runs.push({ target: "counter", variant, model: "processes", workers, expected, count, lost: expected - count, tornReads: 0, ms: round(ms, 1) });
    tick();
  }
  for (const variant of ["no lock", "lock"] as const) {
    const path = join(dir, `process-counter-${variant === "lock" ? "locked" : "unlocked"}.txt`);
    await writeFile(path, "0");
    const lock = manager.lock();
    const arrived = manager.value(0);
    const go = manager.event();
    const start = performance.now();
    const results = await runAll<FileWork>(
      Array.from({ length: workers }, () =>
        variant === "lock"
          ? new Process({ target: ipc.fileIncrementRemoteLocked, args: [path, lock, fileIncrements, arrived, go, workers] })
          : new Process({ target: ipc.fileIncrementRemoteUnlocked, args: [path, fileIncrements, arrived, go, workers] }),
      ),
    );
    const ms = performance.now() - start;
    const count = Number.parseInt(await readFile(path, "utf8"), 10);
    const expected = workers * fileIncrements;
    const tornReads = results.reduce((sum, r) => sum + r.tornReads, 0);
    runs.push({ target: "file", variant, model: "processes", workers, expected, count, lost: expected - count, tornReads, ms: round(ms, 1) });
    tick();
  }
  return runs;
}

/** One round: every run once. */
async function oneRound(options: LocksOptions, tick: () => void): Promise<Measured[]> {
  const { workers, increments, fileIncrements } = options;
  const runs: Measured[] = [];

  for (const variant of ["no lock", "lock", "Atomics.add"] as const) {
    const counter = new Value("int32", 0);
    const g = gate();
    const target =
      variant === "no lock" ? ipc.incrementUnlocked : variant === "lock" ? ipc.incrementLocked : ipc.incrementAtomic;
    const start = performance.now();
    await runAll(
      Array.from({ length: workers }, () => new Thread({ target, args: [counter, increments, g, workers] })),
    );
    const ms = performance.now() - start;
    const expected = workers * increments;
    tick();
    runs.push({ target: "counter", variant, model: "threads", workers, expected, count: counter.value, lost: expected - counter.value, tornReads: 0, ms: round(ms, 1) });
  }

  const dir = await mkdtemp(join(tmpdir(), "juggle-locks-"));
  try {
    for (const variant of ["no lock", "lock"] as const) {
      const path = join(dir, `counter-${variant === "lock" ? "locked" : "unlocked"}.txt`);
      await writeFile(path, "0");
      const g = gate();
      const lock = new Lock();
      const start = performance.now();
      const results = await runAll<FileWork>(
        Array.from({ length: workers }, () =>
          variant === "lock"
            ? new Thread({ target: ipc.fileIncrementLocked, args: [path, lock, fileIncrements, g, workers] })
            : new Thread({ target: ipc.fileIncrementUnlocked, args: [path, fileIncrements, g, workers] }),
        ),
      );
      const ms = performance.now() - start;
      const count = Number.parseInt(await readFile(path, "utf8"), 10);
      const expected = workers * fileIncrements;
      const tornReads = results.reduce((sum, r) => sum + r.tornReads, 0);
      tick();
      runs.push({ target: "file", variant, model: "threads", workers, expected, count, lost: expected - count, tornReads, ms: round(ms, 1) });
    }
    if (options.processIncrements > 0) runs.push(...(await processRuns(options, dir, tick)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return runs;
}

/** Runs the experiment. */
export async function runLocks(options: LocksOptions): Promise<LocksResult> {
  const repeats = options.repeats ?? 1;
  const bar = options.progress?.task("locks: runs", (options.processIncrements > 0 ? 9 : 5) * repeats);
  const rounds: Measured[][] = [];
  try {
    for (let r = 0; r < repeats; r++) rounds.push(await oneRound(options, () => bar?.tick()));
  } finally {
    bar?.done();
  }
  const runs: LocksRun[] = (rounds[0] ?? []).map((first, i) => {
    const mine = rounds.map((round) => round[i] as Measured);
    const counted = spread(mine.map((m) => m.count));
    const count = counted.median;
    const { ms: _ms, ...rest } = first;
    return { ...rest, count, counted, lost: first.expected - count, tornReads: mine.reduce((sum, m) => sum + m.tornReads, 0), time: spread(mine.map((m) => m.ms)) };
  });
  const { progress: _progress, ...rest } = options;
  return { options: rest, runs };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

/** The report's summary, headline, tables, charts and notes for a result. */
export function locksReport(result: LocksResult): ExperimentResult {
  const { runs, options } = result;
  const label = (r: LocksRun) => `${r.model}: ${r.target}, ${r.variant}`;
  const unlocked = runs.find((r) => r.target === "counter" && r.variant === "no lock" && r.model === "threads");
  const locked = runs.find((r) => r.target === "counter" && r.variant === "lock" && r.model === "threads");
  const fileUnlocked = runs.find((r) => r.target === "file" && r.variant === "no lock" && r.model === "threads");
  const repeats = options.repeats ?? 1;
  const pctOf = (count: number, r: LocksRun): number => Math.round((count / r.expected) * 1000) / 10;
  const chart: ChartSpec = {
    kind: "bar",
    title: "Updates counted vs expected",
    figure: "HPP \"Synchronizing File and Variable Access\"",
    caption:
      `${options.workers} threads each add 1 to a shared counter ${options.increments.toLocaleString("en-US")} times and to a ` +
      `number in a shared file ${options.fileIncrements.toLocaleString("en-US")} times` +
      (options.processIncrements > 0
        ? `; ${options.workers} processes do the same through a Manager (${options.processIncrements.toLocaleString("en-US")} counter updates each, a round trip per load and per store)`
        : "") +
      `. Each bar is the share of the expected updates that were counted (median of ${repeats} round(s), bars from the fewest to the most), so runs of very different sizes share one scale ` +
      "(100% = none lost). Without a lock, a read and the write after it are two steps: another worker's update in between " +
      `is overwritten and lost. With the lock (or one atomic instruction, Atomics.add) every update counts. Short of 100% here: ${runs
        .filter((r) => r.count < r.expected)
        .map((r) => `${label(r)} ${pctOf(r.count, r)}%`)
        .join(", ") || "none in this run"}.`,
    xLabel: "run",
    yLabel: "% of expected updates counted",
    labels: runs.map(label),
    series: [
      {
        label: "counted, % of expected",
        values: runs.map((r) => (r.expected === 0 ? null : pctOf(r.count, r))),
        errors: runs.map((r) => (r.expected === 0 ? null : ([pctOf(r.counted.min, r), pctOf(r.counted.max, r)] as [number, number]))),
      },
    ],
  };
  const notes = [
    "This is a demonstration: how many updates are lost without a lock depends on how the workers interleave on this " +
      "machine at this moment, and can even be none. With the lock the count is always exact.",
    "Python's `value.value += 1` on a multiprocessing.Value is the same race: a load, then a store; juggle's Value reads " +
      "and writes atomically, but the two steps still need `value.lock` (Python's get_lock()) or an atomic `value.add(1)`.",
    "Threads share a Value, a Lock and a file in memory; processes, which share no memory in Node, reach a Manager's " +
      "value and lock by messages (the book's processes share a multiprocessing.Value and lock the file with fasteners).",
  ];
  if (fileUnlocked !== undefined && fileUnlocked.tornReads > 0) {
    notes.push(
      `The unlocked file workers read the file ${fileUnlocked.tornReads} time(s) while another had truncated it and not yet ` +
        "written it back (the book's ValueError: invalid literal for int()); they retried.",
    );
  }
  return {
    summary:
      `Without a lock ${unlocked?.lost.toLocaleString("en-US") ?? "?"} of ${unlocked?.expected.toLocaleString("en-US") ?? "?"} ` +
      `counter updates were lost; with the lock the count was ${locked !== undefined && locked.counted.min === locked.expected && locked.counted.max === locked.expected ? "exact" : "NOT exact"} ` +
      `(${locked?.count.toLocaleString("en-US") ?? "?"}; medians of ${repeats} round(s)).`,
    headline: [
      { label: "locks: updates lost without a lock", value: unlocked === undefined ? "?" : unlocked.lost.toLocaleString("en-US"), detail: `of ${unlocked?.expected.toLocaleString("en-US") ?? "?"}` },
      { label: "locks: updates lost with a lock", value: locked === undefined ? "?" : locked.lost.toLocaleString("en-US"), detail: "always 0" },
    ],
    tables: [
      {
        title: "Shared counter and shared file",
        columns: ["target", "variant", "model", "workers", "expected", "counted (min–max)", "lost", "torn reads", "seconds (min–max)"],
        rows: runs.map((r) => [r.target, r.variant, r.model, r.workers, r.expected, formatSpread(r.counted, 0), r.lost, r.tornReads, formatSpread(r.time, 3, 1 / 1000)]),
        caption: `Median of ${repeats} round(s) with (min–max); lost is expected − the median count; torn reads add up every round.`,
      },
    ],
    charts: [chart],
    notes,
  };
}

export default defineExperiment({
  name: "locks",
  title: "Synchronizing file and variable access",
  description: "a shared counter and a shared file updated by several workers: lost updates without a lock, none with it",
  source: "HPP ch. 9, the Concurrent Programming lesson",
  flags: {
    workers: { type: "integer", min: 2, max: 64, default: 2, description: "workers updating the shared state" },
    increments: { type: "integer", min: 1, default: 500_000, quick: 20_000, description: "counter increments per worker" },
    fileIncrements: { type: "integer", min: 1, default: 300, quick: 30, description: "file read-increment-writes per worker" },
    processIncrements: { type: "integer", min: 0, default: 300, quick: 30, description: "counter updates per process through a Manager (0: no process runs)" },
    repeats: { type: "integer", min: 1, max: 100, default: 3, quick: 1, description: "rounds of every run (median and min-max shown)" },
  },
  async run(ctx) {
    const result = await runLocks({ ...ctx.flags, progress: ctx.progress });
    return locksReport(result);
  },
});
