/**
 * `juggle lab ipc`: verifying a few large primes by splitting the factor
 * range across workers, with an early exit through a shared "factor found"
 * flag (High Performance Python ch. 9, "Verifying Primes Using Interprocess
 * Communication"). The flag lives in different places: shared memory (a
 * `Value` or an `Event`, threads only), a file re-read with `pread` (the
 * book's mmap), a `Manager` (a message round trip per poll), Redis (when
 * `--redis-url` is given), or nowhere (each worker finishes its range).
 *
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Executor } from "juggle-core";
import { Event } from "juggle-core/shared-memory";
import { Manager } from "juggle-core/shared-memory";
import { Value } from "juggle-core/shared-memory";
import { type ChartSpec, defineExperiment, type ExperimentResult } from "../experiment.js";
import type { Progress } from "../progress.js";
import { checkFactorRange, type FactorCheck, factorLimit } from "../tasks/cpu.js";
import { ipc, openPool, type PoolModel, round, warmUp } from "./cpu-bench.js";

/** The book's numbers: four primes and two composites (one with a small factor, one with a large one). */
export const BOOK_NUMBERS = [
  112_272_535_095_293, 112_582_705_942_171, 112_272_535_095_295, 115_280_095_190_773, 115_797_848_077_099,
  1_099_726_899_285_419,
];

/** Where the flag lives. */
export type FlagKind = "none" | "value" | "event" | "file" | "manager" | "redis";

/** One way of running the check: a model and a flag. */
export interface IpcVariant {
  name: string;
  model: "serial" | PoolModel;
  flag: FlagKind;
}

export interface IpcOptions {
  numbers: readonly number[];
  workers: number;
  /** Trial divisions between two polls of the flag. */
  checkEvery: number;
  /** Factors up to this are tried serially first (the book's `SERIAL_CHECK_CUTOFF`). */
  serialCutoff: number;
  variants: readonly IpcVariant[];
  /** The Redis server of the "redis" variant. */
  redisUrl?: string;
  progress?: Progress;
}

/** One number checked by one variant. */
export interface IpcRun {
  variant: string;
  n: number;
  prime: boolean;
  factor: number | null;
  ms: number;
  /** Trial divisions done in all, by every worker. */
  steps: number;
}

export interface IpcResult {
  options: Omit<IpcOptions, "progress">;
  runs: IpcRun[];
}

/** The variants run by default (the Redis one is added when a URL is given). */
export function defaultVariants(): IpcVariant[] {
  return [
    { name: "serial", model: "serial", flag: "none" },
    { name: "threads, no flag", model: "threads", flag: "none" },
    { name: "threads, Value flag", model: "threads", flag: "value" },
    { name: "threads, Event flag", model: "threads", flag: "event" },
    { name: "processes, no flag", model: "processes", flag: "none" },
    { name: "processes, file flag", model: "processes", flag: "file" },
    { name: "processes, Manager flag", model: "processes", flag: "manager" },
  ];
}

/**
 * The hook for the Redis flag: the variant that `--redis-url` adds. Workers
 * poll `GET key` every `checkEvery` divisions (see `factorsRedisFlag`).
 */
export function redisFlagVariant(): IpcVariant {
  return { name: "processes, Redis flag", model: "processes", flag: "redis" };
}

/** Splits the odd factors of [from, to] into `parts` contiguous ranges. */
export function factorRanges(from: number, to: number, parts: number): [number, number][] {
  const span = to - from + 1;
  if (span <= 0) return [];
  const size = Math.ceil(span / parts);
  const out: [number, number][] = [];
  for (let lo = from; lo <= to; lo += size) out.push([lo, Math.min(to, lo + size - 1)]);
  return out;
}

interface Context {
  pools: Map<PoolModel, Executor>;
  manager?: Manager;
  dir: string;
  options: IpcOptions;
  seq: number;
}

async function pool(ctx: Context, model: PoolModel): Promise<Executor> {
  let p = ctx.pools.get(model);
  if (p === undefined) {
    p = await openPool(model, ctx.options.workers);
    // Owned by ctx before the warm-up, so a failing warm-up leaves no pool running.
    ctx.pools.set(model, p);
    await warmUp(p, ctx.options.workers);
  }
  return p;
}

/** Runs the parallel part of one check: the ranges on the variant's pool with its flag. */
async function parallelCheck(ctx: Context, variant: IpcVariant, n: number, ranges: [number, number][]): Promise<FactorCheck[]> {
  const { checkEvery } = ctx.options;
  if (variant.model === "serial") throw new Error("unreachable");
  const p = await pool(ctx, variant.model);
  switch (variant.flag) {
    case "none":
      return p.starmap(ipc.factorsNoFlag, ranges.map(([a, b]) => [n, a, b] as [number, number, number]), { chunksize: 1 });
    case "value": {
      const flag = new Value("int32", 0);
      return p.starmap(ipc.factorsValueFlag, ranges.map(([a, b]) => [n, a, b, flag, checkEvery] as const), { chunksize: 1 });
    }
    case "event": {
      const flag = new Event();
      return p.starmap(ipc.factorsEventFlag, ranges.map(([a, b]) => [n, a, b, flag, checkEvery] as const), { chunksize: 1 });
    }
    case "file": {
      const path = join(ctx.dir, `flag-${ctx.seq++}`);
      await writeFile(path, "0");
      return p.starmap(ipc.factorsFileFlag, ranges.map(([a, b]) => [n, a, b, path, checkEvery] as const), { chunksize: 1 });
    }
    case "manager": {
      ctx.manager ??= await Manager.start();
      const flag = ctx.manager.value(0);
      return p.starmap(ipc.factorsManagerFlag, ranges.map(([a, b]) => [n, a, b, flag, checkEvery] as const), { chunksize: 1 });
    }
    case "redis": {
      const url = ctx.options.redisUrl;
      if (url === undefined || url === "") throw new TypeError("Cannot run the Redis flag variant as 'redisUrl' is not set");
      const key = `juggle:lab:ipc:${process.pid}:${ctx.seq++}`;
      return p.starmap(ipc.factorsRedisFlag, ranges.map(([a, b]) => [n, a, b, url, key, checkEvery] as const), { chunksize: 1 });
    }
  }
}

/** Checks one number with one variant. */
async function checkOne(ctx: Context, variant: IpcVariant, n: number): Promise<IpcRun> {
  const limit = factorLimit(n);
  const t0 = performance.now();
  let results: FactorCheck[];
  if (n % 2 === 0) {
    results = [{ state: "factor", factor: 2, steps: 1 }];
  } else if (variant.model === "serial") {
    results = [checkFactorRange(n, 3, limit)];
  } else {
    // The book's "less naive" pool: the likely small factors first, serially.
    const cutoff = Math.min(limit, ctx.options.serialCutoff);
    const early = checkFactorRange(n, 3, cutoff);
    results = early.state === "factor" ? [early] : [early, ...(await parallelCheck(ctx, variant, n, factorRanges(cutoff + 1, limit, ctx.options.workers)))];
  }
  const ms = performance.now() - t0;
  const hit = results.find((r) => r.state === "factor");
  return {
    variant: variant.name,
    n,
    prime: hit === undefined,
    factor: hit?.state === "factor" ? hit.factor : null,
    ms: round(ms, 1),
    steps: results.reduce((sum, r) => sum + r.steps, 0),
  };
}

/** Runs the experiment. */
export async function runIpc(options: IpcOptions): Promise<IpcResult> {
  const ctx: Context = { pools: new Map(), dir: await mkdtemp(join(tmpdir(), "juggle-ipc-")), options, seq: 0 };
  const runs: IpcRun[] = [];
  const bar = options.progress?.task("ipc: checks", options.variants.length * options.numbers.length);
  try {
    for (const variant of options.variants) {
      for (const n of options.numbers) {
        runs.push(await checkOne(ctx, variant, n));
        bar?.tick();
      }
    }
  } finally {
    bar?.done();
    for (const p of ctx.pools.values()) await p.terminate();
    await ctx.manager?.shutdown();
    await rm(ctx.dir, { recursive: true, force: true });
  }
  const { progress: _progress, ...rest } = options;
  return { options: rest, runs };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

const seconds = (ms: number) => round(ms / 1000, 3);

/** The report's summary, headline, tables, charts and notes for a result. */
export function ipcReport(result: IpcResult): ExperimentResult {
  const { runs, options } = result;
  const variants = [...new Set(runs.map((r) => r.variant))];
  const totals = variants.map((v) => ({
    variant: v,
    ms: runs.filter((r) => r.variant === v).reduce((sum, r) => sum + r.ms, 0),
    composite: runs.filter((r) => r.variant === v && !r.prime).reduce((sum, r) => sum + r.ms, 0),
  }));
  const numbers = [...options.numbers];
  const charts: ChartSpec[] = [
    {
      kind: "bar",
      title: "Verifying primes: time per number and flag",
      figure: "HPP Figures 9-17 to 9-19",
      caption:
        `Each number is checked by trial division up to its square root, the range split across ${options.workers} workers ` +
        `(factors up to ${options.serialCutoff} are tried serially first). For a prime every worker must finish its range, ` +
        "so a flag only adds polling cost; for a composite with a large factor the flag lets the other workers stop as " +
        "soon as one finds it, where without a flag they finish their ranges for nothing. The dearer a poll (a file " +
        "read, a Manager round trip, a Redis GET), the more it costs on the primes.",
      xLabel: "number",
      yLabel: "seconds",
      labels: numbers.map(String),
      series: variants.map((v) => ({
        label: v,
        values: numbers.map((n) => {
          const run = runs.find((r) => r.variant === v && r.n === n);
          return run === undefined ? null : seconds(run.ms);
        }),
      })),
    },
    {
      kind: "bar",
      title: "Verifying primes: total time per flag",
      caption: "The sum over every number; the composites' share shows where an early exit pays.",
      xLabel: "variant",
      yLabel: "seconds",
      labels: variants,
      stacked: true,
      series: [
        { label: "primes", values: totals.map((t) => seconds(t.ms - t.composite)) },
        { label: "composites", values: totals.map((t) => seconds(t.composite)) },
      ],
    },
  ];
  const serial = totals.find((t) => t.variant === "serial");
  const best = totals.reduce((a, b) => (b.ms < a.ms ? b : a));
  const verdicts = new Map<number, boolean>();
  const disagreements = runs.filter((r) => {
    const first = verdicts.get(r.n);
    if (first === undefined) verdicts.set(r.n, r.prime);
    return first !== undefined && first !== r.prime;
  });
  const notes: string[] = [
    "Processes in Node share no memory, so the book's RawValue (shared memory between forked processes) has no process " +
      "analog here: the shared-memory flags (Value, Event) are for threads, and the processes poll a one-byte file with " +
      "pread (the book's mmap flag, through the page cache), a Manager, or Redis.",
    `Workers poll the flag every ${options.checkEvery.toLocaleString("en-US")} trial divisions, as the book does.`,
  ];
  const manager = totals.find((t) => t.variant.includes("Manager"));
  const value = totals.find((t) => t.variant.includes("Value"));
  if (manager !== undefined && value !== undefined) {
    notes.push(
      `Polling a Manager costs a message round trip each time (${seconds(manager.ms)} s in all, against ` +
        `${seconds(value.ms)} s for a Value in shared memory), as the book found Manager.Value the slowest flag.`,
    );
  }
  if (!options.variants.some((v) => v.flag === "redis")) {
    notes.push("The Redis flag variant runs when a server is given: juggle lab ipc --redis-url redis://127.0.0.1:6379.");
  }
  if (disagreements.length > 0) notes.push(`${disagreements.length} check(s) disagreed with the others on primality!`);
  return {
    summary:
      `The serial check of ${numbers.length} numbers took ${serial === undefined ? "?" : seconds(serial.ms)} s; the fastest ` +
      `variant was "${best.variant}" (${seconds(best.ms)} s). A shared-memory flag costs almost nothing to poll, so threads ` +
      "get the early exit for free; without a flag, the workers finish their ranges after a factor is found.",
    headline: [{ label: "ipc: fastest flag", value: best.variant, detail: `${seconds(best.ms)} s for ${numbers.length} numbers` }],
    tables: [
      {
        title: "Verifying primes with a shared flag",
        columns: ["variant", "number", "prime", "factor", "seconds", "trial divisions"],
        rows: runs.map((r) => [r.variant, String(r.n), r.prime ? "yes" : "no", r.factor, seconds(r.ms), r.steps]),
        caption: "Trial divisions counts every worker's work, including what is wasted after a factor was found.",
      },
    ],
    charts,
    notes,
  };
}

export default defineExperiment({
  name: "ipc",
  title: "Verifying primes with interprocess communication",
  description: "split a number's factor range across workers with an early-exit flag: shared memory vs file vs Manager vs Redis vs none",
  source: "HPP ch. 9",
  flags: {
    numbers: {
      type: "integers",
      min: 2,
      max: Number.MAX_SAFE_INTEGER,
      default: BOOK_NUMBERS,
      quick: [1_000_003, 1_000_033 * 1_000_037, 1_000_003 * 3],
      description: "the numbers to verify",
    },
    workers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "workers (0: the number of cores)" },
    checkEvery: { type: "integer", min: 1, default: 1000, quick: 100, description: "trial divisions between two polls of the flag" },
    serialCutoff: { type: "integer", min: 3, default: 21, description: "factors tried serially before going parallel" },
    redisUrl: { type: "string", default: "", description: "a Redis server for the Redis flag variant (e.g. redis://127.0.0.1:6379)" },
  },
  async run(ctx) {
    const { flags } = ctx;
    const variants = defaultVariants();
    if (flags.redisUrl !== "") variants.push(redisFlagVariant());
    const result = await runIpc({
      numbers: flags.numbers,
      workers: flags.workers === 0 ? ctx.machine.cores || availableParallelism() : flags.workers,
      checkEvery: flags.checkEvery,
      serialCutoff: flags.serialCutoff,
      variants,
      redisUrl: flags.redisUrl,
      progress: ctx.progress,
    });
    return ipcReport(result);
  },
});
