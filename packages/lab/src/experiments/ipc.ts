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
import { measurementProblem } from "../measurement-check.js";
import { formatSpread, type Spread, spread } from "../spread.js";
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
  /** Rounds: every variant checks every number once per round (the median is shown, with min and max). Default 1. */
  repeats?: number;
  /** Cores, for the measurement check. Default: `availableParallelism()`. */
  cores?: number;
  progress?: Progress;
}

/** One number checked by one variant. */
export interface IpcRun {
  variant: string;
  n: number;
  prime: boolean;
  factor: number | null;
  /** Wall time of the repeated checks, ms (median, min, max). */
  time: Spread;
  /** Trial divisions done in all, by every worker (the last round). */
  steps: number;
}

/** A variant's totals over every number, one value per round. */
export interface IpcTotal {
  variant: string;
  workers: number;
  /** Every number's check, ms. */
  all: Spread;
  /** The primes' checks only, ms: every worker must finish its range, so the speed-up is bounded by the workers. */
  primes: Spread;
  composites: Spread;
  /** Median serial / median of this variant, on the primes. */
  speedup: number;
  /** Why that speed-up cannot be true (see `measurement-check.ts`), when it cannot. */
  problem?: string;
}

export interface IpcResult {
  options: Omit<IpcOptions, "progress">;
  runs: IpcRun[];
  totals: IpcTotal[];
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
async function checkOne(ctx: Context, variant: IpcVariant, n: number): Promise<Omit<IpcRun, "time"> & { ms: number }> {
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
  const repeats = options.repeats ?? 1;
  const checks = options.variants.flatMap((variant) => options.numbers.map((n) => ({ variant, n })));
  const measured = checks.map(() => [] as Awaited<ReturnType<typeof checkOne>>[]);
  const bar = options.progress?.task("ipc: checks", checks.length * repeats);
  try {
    // The serial check's warm-up: one number before the clock (the pools warm their workers when they start).
    checkFactorRange(options.numbers[0] ?? 3, 3, Math.min(factorLimit(options.numbers[0] ?? 3), 100_000));
    // The pools and the Manager start before the clock, as the book builds its Pool first.
    for (const variant of options.variants) if (variant.model !== "serial") await pool(ctx, variant.model);
    if (options.variants.some((v) => v.flag === "manager")) ctx.manager = await Manager.start();
    // Round after round, every variant once: the serial baseline is measured
    // across the same stretch of time (and load) as the parallel checks.
    for (let r = 0; r < repeats; r++) {
      for (const [i, { variant, n }] of checks.entries()) {
        measured[i]?.push(await checkOne(ctx, variant, n));
        bar?.tick();
      }
    }
  } finally {
    bar?.done();
    for (const p of ctx.pools.values()) await p.terminate();
    await ctx.manager?.shutdown();
    await rm(ctx.dir, { recursive: true, force: true });
  }
  const runs: IpcRun[] = measured.map((mine) => {
    const { ms: _ms, ...last } = mine.at(-1) as (typeof mine)[number];
    // A round that disagreed on primality is the one shown: nothing wrong is hidden by a median.
    const odd = mine.find((m) => m.prime !== last.prime);
    return { ...last, ...(odd === undefined ? {} : { prime: odd.prime, factor: odd.factor }), time: spread(mine.map((m) => m.ms)) };
  });
  const cores = options.cores ?? availableParallelism();
  const totalsOf = (variant: IpcVariant) => {
    const mine = checks.map((c, i) => ({ ...c, ms: measured[i] ?? [] })).filter((c) => c.variant === variant);
    const perRound = (keep: (n: number) => boolean) =>
      spread(Array.from({ length: repeats }, (_, r) => round(mine.filter((c) => keep(c.n)).reduce((sum, c) => sum + (c.ms[r]?.ms ?? 0), 0), 1)));
    const isPrimeRun = (n: number) => runs.find((x) => x.variant === variant.name && x.n === n)?.prime === true;
    return { all: perRound(() => true), primes: perRound(isPrimeRun), composites: perRound((n) => !isPrimeRun(n)) };
  };
  const serialVariant = options.variants.find((v) => v.model === "serial");
  const serialPrimes = serialVariant === undefined ? undefined : totalsOf(serialVariant).primes.median;
  const totals: IpcTotal[] = options.variants.map((variant) => {
    const t = totalsOf(variant);
    const workers = variant.model === "serial" ? 1 : options.workers;
    const speedup = serialPrimes === undefined || t.primes.median === 0 ? 1 : round(serialPrimes / t.primes.median, 2);
    return { variant: variant.name, workers, ...t, speedup, problem: variant.model === "serial" ? undefined : measurementProblem(speedup, workers, cores) };
  });
  const { progress: _progress, ...rest } = options;
  return { options: rest, runs, totals };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

const seconds = (ms: number) => round(ms / 1000, 3);

/** A total's median in seconds, written as the totals table writes it. */
const total = (t: Spread): string => formatSpread(spread([t.median]), 3, 1 / 1000);

/** The [min, max] of repeated runs in seconds, for an error bar. */
const range = (t: Spread): [number, number] => [seconds(t.min), seconds(t.max)];

/** The report's summary, headline, tables, charts and notes for a result. */
export function ipcReport(result: IpcResult): ExperimentResult {
  const { runs, options, totals } = result;
  const repeats = options.repeats ?? 1;
  const variants = totals.map((t) => t.variant);
  const numbers = [...options.numbers];
  const serial = totals.find((t) => t.variant === "serial");
  const best = totals.reduce((a, b) => (b.all.median < a.all.median ? b : a));
  const worst = totals.reduce((a, b) => (b.all.median > a.all.median ? b : a));
  const medianOf = `median of ${repeats} round(s), bars from the fastest to the slowest`;
  const charts: ChartSpec[] = [
    {
      kind: "bar",
      title: "Verifying primes: time per number and flag",
      figure: "HPP Figures 9-17 to 9-19",
      caption:
        `Each number is checked by trial division up to its square root, the range split across ${options.workers} workers ` +
        `(factors up to ${options.serialCutoff} are tried serially first; ${medianOf}). For a prime every worker must finish ` +
        "its range, so a flag only adds polling cost; for a composite with a large factor the flag lets the other workers " +
        "stop as soon as one finds it. " +
        numbers
          .map((n) => {
            const mine = runs.filter((r) => r.n === n);
            const quickest = mine.reduce((a, b) => (b.time.median < a.time.median ? b : a));
            return `${n} (${mine[0]?.prime === true ? "prime" : "composite"}): quickest ${quickest.variant}, ${seconds(quickest.time.median)} s`;
          })
          .join("; ") +
        ".",
      xLabel: "number",
      yLabel: "seconds",
      labels: numbers.map(String),
      series: variants.map((v) => {
        const mine = numbers.map((n) => runs.find((r) => r.variant === v && r.n === n));
        return {
          label: v,
          values: mine.map((run) => (run === undefined ? null : seconds(run.time.median))),
          errors: mine.map((run) => (run === undefined ? null : range(run.time))),
        };
      }),
    },
    {
      kind: "bar",
      title: "Verifying primes: total time per flag",
      caption:
        `The sum over every number, the primes' and the composites' side by side (medians of ${repeats} round(s), bars from the fastest to the slowest round). ` +
        `Fastest: ${best.variant}, ${total(best.all)} s; slowest: ${worst.variant}, ${total(worst.all)} s` +
        `${serial === undefined ? "" : `; serial: ${total(serial.all)} s`} (the totals table's medians).`,
      xLabel: "variant",
      yLabel: "seconds",
      labels: variants,
      series: [
        { label: "primes", values: totals.map((t) => seconds(t.primes.median)), errors: totals.map((t) => range(t.primes)) },
        { label: "composites", values: totals.map((t) => seconds(t.composites.median)), errors: totals.map((t) => range(t.composites)) },
      ],
    },
  ];
  const verdicts = new Map<number, boolean>();
  const disagreements = runs.filter((r) => {
    const first = verdicts.get(r.n);
    if (first === undefined) verdicts.set(r.n, r.prime);
    return first !== undefined && first !== r.prime;
  });
  const suspects = totals.filter((t) => t.problem !== undefined);
  const notes: string[] = [
    ...suspects.map((t) => `Measurement problem, ${t.variant}: ${t.problem}.`),
    "Processes in Node share no memory, so the book's RawValue (shared memory between forked processes) has no process " +
      "analog here: the shared-memory flags (Value, Event) are for threads, and the processes poll a one-byte file with " +
      "pread (the book's mmap flag, through the page cache), a Manager, or Redis.",
    `Workers poll the flag every ${options.checkEvery.toLocaleString("en-US")} trial divisions, as the book does.`,
    "The speed-up is measured on the primes only: on a composite a worker that starts near the factor finds it at once, " +
      "which can beat the serial scan by more than the number of workers without any measurement problem.",
  ];
  if (repeats < 3) notes.push(`Each check ran ${repeats} time(s) only (fewer than 3): not for conclusions.`);
  const manager = totals.find((t) => t.variant.includes("Manager"));
  const value = totals.find((t) => t.variant.includes("Value"));
  if (manager !== undefined && value !== undefined) {
    notes.push(
      `Polling a Manager costs a message round trip each time (${total(manager.all)} s in all, against ` +
        `${total(value.all)} s for a Value in shared memory); the book found Manager.Value the slowest flag.`,
    );
  }
  if (!options.variants.some((v) => v.flag === "redis")) {
    notes.push("The Redis flag variant runs when a server is given: juggle lab ipc --redis-url redis://127.0.0.1:6379.");
  }
  if (disagreements.length > 0) notes.push(`${disagreements.length} check(s) disagreed with the others on primality!`);
  return {
    summary:
      `The serial check of ${numbers.length} numbers took ${serial === undefined ? "?" : total(serial.all)} s; the fastest ` +
      `variant was "${best.variant}" (${total(best.all)} s, medians of ${repeats} round(s)). A shared-memory flag costs ` +
      "almost nothing to poll, so threads get the early exit for free; without a flag, the workers finish their ranges after a factor is found." +
      (suspects.length > 0 ? " Some speed-ups are SUSPECT (see the notes): measurement problems, not results." : ""),
    headline: [{ label: "ipc: fastest flag", value: best.variant, detail: `${total(best.all)} s for ${numbers.length} numbers` }],
    tables: [
      {
        title: "Verifying primes with a shared flag",
        columns: ["variant", "number", "prime", "factor", "seconds (min–max)", "trial divisions"],
        rows: runs.map((r) => [r.variant, String(r.n), r.prime ? "yes" : "no", r.factor, formatSpread(r.time, 3, 1 / 1000), r.steps]),
        caption: `Median of ${repeats} round(s) with (fastest–slowest). Trial divisions counts every worker's work, including what is wasted after a factor was found.`,
      },
      {
        title: "Verifying primes: totals per variant",
        columns: ["variant", "workers", "all s (min–max)", "primes s (min–max)", "composites s", "speed-up on primes", "check"],
        rows: totals.map((t) => [
          t.variant,
          t.workers,
          formatSpread(t.all, 3, 1 / 1000),
          formatSpread(t.primes, 3, 1 / 1000),
          seconds(t.composites.median),
          t.speedup,
          t.problem === undefined ? "ok" : "SUSPECT",
        ]),
        caption:
          "Each round checks every number once with every variant, so the serial baseline shares the runs' conditions. " +
          "Speed-up: median serial / median of the variant, on the primes. SUSPECT: a speed-up above the core count or one " +
          "worker >10% faster than serial, a measurement problem (see the notes).",
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
    repeats: { type: "integer", min: 1, max: 100, default: 3, quick: 1, description: "rounds: every variant checks every number once per round (median and min-max shown)" },
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
      repeats: flags.repeats,
      cores: ctx.machine.cores || availableParallelism(),
      progress: ctx.progress,
    });
    return ipcReport(result);
  },
});
