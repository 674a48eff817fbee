/**
 * `juggle lab advise`: the blog posts' "when to use what", made into a tool.
 * Given a task (a module and an export) and sample inputs, it measures how
 * much of each call's wall time is CPU work and how much is waiting, then
 * recommends a model (async, threads, processes — or none), a worker count
 * and a chunk size, with the measurements that justify them; and, unless
 * `--no-verify`, tries the candidates on the samples.
 *
 *   juggle lab advise --task ./dist/tasks.js --export resize --inputs inputs.json
 *   juggle lab advise --task ./dist/tasks.js --export fetchPage --inputs '["a", "b"]'
 *   juggle lab advise              # the built-in samples, one CPU-bound, one I/O-bound
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { type TaskRef, task } from "juggle-core";
import { moduleUrl } from "juggle-core/executor";
import { type ChartSpec, defineExperiment, type ExperimentResult, type ResultTable } from "../experiment.js";
import { UsageError } from "../flags.js";
import type { Progress } from "../progress.js";
import { cpu, openPool, type PoolModel, round, warmUp } from "./cpu-bench.js";

/** What advise recommends. */
export type AdvisedModel = "serial" | "async" | "threads" | "processes";

export interface AdviseOptions {
  /** A label for the report. */
  label: string;
  task: TaskRef;
  /** Sample calls, each an argument list. */
  calls: readonly unknown[][];
  /** Items of the real workload (for the chunk size); default: the samples. */
  items: number;
  cores: number;
  /** Try the candidate models on the samples. */
  verify: boolean;
  progress?: Progress;
}

/** What one sample call cost. */
export interface CallMeasurement {
  wallMs: number;
  /** CPU time of this process during the call (every thread: GC and libuv's pool count too). */
  cpuMs: number;
  /** Milliseconds the main thread's event loop was busy (not waiting). */
  busyMs: number;
}

/** One try of a model on the samples. */
export interface Trial {
  model: AdvisedModel;
  workers: number;
  chunksize: number | null;
  ms: number | null;
  error?: string;
}

export interface Advice {
  model: AdvisedModel;
  workers: number;
  /** Calls in flight at once (async). */
  concurrency: number | null;
  chunksize: number | null;
  reasons: string[];
}

export interface AdviseResult {
  label: string;
  task: TaskRef;
  samples: number;
  items: number;
  calls: CallMeasurement[];
  /** Sums over the samples. */
  wallMs: number;
  cpuMs: number;
  busyMs: number;
  /** Time to copy one sample's arguments (structured clone), ms. */
  cloneMs: number;
  advice: Advice;
  trials: Trial[];
}

/** Chunks should carry at least this much work, so a message (~50 µs) costs under 1% of it. */
const TARGET_CHUNK_MS = 5;
/** Below this much CPU in all, starting workers costs more than it saves. */
const TOO_LITTLE_MS = 20;

/** One call of the task on the main thread. */
type Call = (args: readonly unknown[]) => Promise<unknown>;

/** Measures each sample call on the main thread (after one warm-up call). */
async function measure(fn: Call, calls: readonly unknown[][]): Promise<CallMeasurement[]> {
  if (calls[0] !== undefined) await fn(calls[0]);
  const out: CallMeasurement[] = [];
  for (const args of calls) {
    const elu = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await fn(args);
    const wallMs = performance.now() - t0;
    const used = process.cpuUsage(cpu0);
    const loop = performance.eventLoopUtilization(elu);
    out.push({ wallMs, cpuMs: (used.user + used.system) / 1000, busyMs: Math.min(wallMs, loop.active) });
  }
  return out;
}

/** What {@link recommend} needs: sums over the sample calls. */
export interface Measured {
  wallMs: number;
  /** Process CPU time (every thread). */
  cpuMs: number;
  /** Time the main thread's event loop was busy (not waiting for I/O or timers). */
  busyMs: number;
  samples: number;
  items: number;
  cloneMs: number;
  cores: number;
}

/**
 * The recommendation from the measurements (before any trial). The main
 * thread's busy share classifies the work: a call that computes keeps the
 * event loop busy even when the OS preempts it (so a loaded machine does not
 * make CPU work look like waiting), and a call that waits leaves it idle.
 */
export function recommend(m: Measured): Advice {
  const n = Math.max(1, m.samples);
  const perWall = m.wallMs / n;
  const perCpu = Math.max(m.cpuMs, m.busyMs) / n;
  const perBusy = m.busyMs / n;
  const busyShare = m.wallMs > 0 ? m.busyMs / m.wallMs : 1;
  const cpuShare = m.wallMs > 0 ? m.cpuMs / m.wallMs : 1;
  const reasons = [
    `A call takes ${round(perWall, 3)} ms of wall time; the main thread was busy ${Math.round(busyShare * 100)}% of it ` +
      `and the process used ${round(m.cpuMs / n, 3)} ms of CPU (${Math.round(cpuShare * 100)}%).`,
  ];
  if (busyShare < 0.5 && cpuShare < 0.5) {
    const concurrency = Math.max(2, Math.min(1000, Math.round(perWall / Math.max(perBusy, 0.01))));
    reasons.push(
      "It mostly waits (I/O-bound): one event loop overlaps the waits of many calls, with no threads or processes to start, " +
        "as the roadmap article's asyncio row shows (\"use asyncio when you can\").",
      `About ${concurrency} calls in flight keep the main thread busy (wall time / busy time per call); beyond that it ` +
        "limits. Also respect what the other side can take: measure a concurrency sweep (juggle lab crawl) or use AdaptiveLimiter.",
    );
    return { model: "async", workers: 1, concurrency, chunksize: null, reasons };
  }
  if (busyShare < 0.5) {
    reasons.push("The CPU work runs off the main thread (libuv's pool or native threads): the event loop is free, but more cores only help if that pool has room.");
  }
  const totalCpu = perCpu * m.items;
  if (totalCpu < TOO_LITTLE_MS) {
    reasons.push(
      `The whole workload (${m.items} items) is about ${round(totalCpu, 1)} ms of CPU: starting and feeding workers costs ` +
        "more than it saves. Keep it serial (the roadmap article: do not use concurrency until you have exhausted the other options).",
    );
    return { model: "serial", workers: 1, concurrency: null, chunksize: null, reasons };
  }
  const workers = Math.max(1, Math.min(m.cores, m.items));
  const pythonDefault = Math.max(1, Math.ceil(m.items / (workers * 4)));
  const chunksize = Math.max(1, Math.min(pythonDefault, Math.ceil(TARGET_CHUNK_MS / Math.max(perCpu, 1e-6))));
  reasons.push(
    `It is CPU-bound: only more cores make it faster. Worker threads have no GIL, start in milliseconds and share memory, ` +
      `so a ThreadPool of ${workers} (one per core; more workers only share the same cores, HPP Figure 9-6).`,
    `Chunk size ${chunksize}: the smaller of Python's default for ${m.items} items (${pythonDefault}, four chunks per ` +
      `worker for load balancing) and the size that gives each chunk about ${TARGET_CHUNK_MS} ms of work, so the ` +
      "per-message cost stays under 1% (chunk size 1 is slowest for small tasks, HPP Figure 9-11).",
  );
  if (m.cloneMs > perCpu) {
    reasons.push(
      `Copying a call's arguments (${round(m.cloneMs, 3)} ms) costs more than its work: pass data in a SharedArrayBuffer ` +
        "(juggle/shared-memory) or send bigger chunks, or the workers will wait on messages.",
    );
  }
  reasons.push("Choose a ProcessPool instead when the task is not safe in a worker thread (native addons, process-wide state) or must be isolated from crashes.");
  return { model: "threads", workers, concurrency: null, chunksize, reasons };
}

async function trial(fn: () => Promise<unknown>): Promise<{ ms: number | null; error?: string }> {
  try {
    const t0 = performance.now();
    await fn();
    return { ms: performance.now() - t0 };
  } catch (error) {
    return { ms: null, error: (error as Error)?.message ?? String(error) };
  }
}

async function runTrials(options: AdviseOptions, fn: Call, advice: Advice): Promise<Trial[]> {
  const { calls, cores } = options;
  const trials: Trial[] = [];
  const serial = await trial(async () => {
    for (const args of calls) await fn(args);
  });
  trials.push({ model: "serial", workers: 1, chunksize: null, ...serial });
  const concurrency = advice.concurrency ?? calls.length;
  const viaAsync = await trial(async () => {
    let next = 0;
    const lane = async () => {
      while (next < calls.length) await fn(calls[next++] as unknown[]);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, lane));
  });
  trials.push({ model: "async", workers: 1, chunksize: null, ...viaAsync });
  const workers = Math.min(cores, Math.max(1, calls.length));
  const chunksize = Math.max(1, Math.min(advice.chunksize ?? 1, Math.ceil(calls.length / workers)));
  for (const model of ["threads", "processes"] as PoolModel[]) {
    const pool = await openPool(model, workers);
    try {
      await warmUp(pool, workers);
      const r = await trial(() => pool.starmap(options.task, calls as never, { chunksize }));
      trials.push({ model, workers, chunksize, ...r });
    } finally {
      await pool.terminate();
    }
  }
  return trials;
}

/** Measures a task on its samples and advises. */
export async function runAdvise(options: AdviseOptions): Promise<AdviseResult> {
  const bar = options.progress?.task(`advise: ${options.label}`, options.verify ? 2 : 1);
  try {
    // On this thread the task is called directly, as the user's own code would call it.
    const exported = ((await import(options.task.module)) as Record<string, unknown>)[options.task.name];
    if (typeof exported !== "function") {
      throw new TypeError(`Cannot advise on task '${options.task.name}' as ${options.task.module} does not export a function by that name`);
    }
    const fn: Call = async (args) => exported(...args);
    const calls = await measure(fn, options.calls);
    bar?.tick();
    const wallMs = calls.reduce((s, c) => s + c.wallMs, 0);
    const cpuMs = calls.reduce((s, c) => s + c.cpuMs, 0);
    const busyMs = calls.reduce((s, c) => s + c.busyMs, 0);
    const t0 = performance.now();
    for (const args of options.calls) structuredClone(args);
    const cloneMs = (performance.now() - t0) / Math.max(1, options.calls.length);
    let advice = recommend({ wallMs, cpuMs, busyMs, samples: calls.length, items: options.items, cloneMs, cores: options.cores });
    let trials: Trial[] = [];
    if (options.verify && options.calls.length > 0) {
      trials = await runTrials(options, fn, advice);
      bar?.tick();
      advice = checkAgainstTrials(advice, trials);
    }
    return { label: options.label, task: options.task, samples: calls.length, items: options.items, calls, wallMs, cpuMs, busyMs, cloneMs, advice, trials };
  } finally {
    bar?.done();
  }
}

/**
 * The models a trial may switch to, given what the measurements say the work
 * is: CPU-bound work (serial, threads, processes) is never "async" — one
 * event loop adds no CPU, and on a few samples it only looks fast because it
 * starts no pool — and waiting work is never "serial".
 */
function switchable(advice: Advice): readonly AdvisedModel[] {
  return advice.model === "async" ? ["async", "threads", "processes"] : ["serial", "threads", "processes"];
}

/** The advice for `model`, every field filled for it (workers, chunk size or in-flight count). */
function adviceFor(model: AdvisedModel, from: Advice, trial: Trial | undefined, reason: string): Advice {
  const reasons = [...from.reasons, reason];
  if (model === "serial") return { model, workers: 1, concurrency: null, chunksize: null, reasons };
  if (model === "async") return { model, workers: 1, concurrency: from.concurrency ?? 2, chunksize: null, reasons };
  return { model, workers: trial?.workers ?? from.workers, concurrency: null, chunksize: trial?.chunksize ?? from.chunksize ?? 1, reasons };
}

/**
 * Keeps the advice, or switches when a trial of another model that fits the
 * work was clearly faster (or the advised one failed).
 */
export function checkAgainstTrials(advice: Advice, trials: readonly Trial[]): Advice {
  const allowed = switchable(advice);
  const ok = trials.filter((t): t is Trial & { ms: number } => t.ms !== null && allowed.includes(t.model));
  const advised = trials.find((t) => t.model === advice.model);
  const best = ok.reduce<(Trial & { ms: number }) | undefined>((a, b) => (a === undefined || b.ms < a.ms ? b : a), undefined);
  const measured = `Measured on the samples: ${trials.map((t) => `${t.model} ${t.ms === null ? "failed" : `${round(t.ms, 1)} ms`}`).join(", ")}.`;
  if (best === undefined || advised === undefined) return { ...advice, reasons: [...advice.reasons, measured] };
  if (advised.ms === null) {
    return adviceFor(best.model, advice, best, `On the samples, ${advice.model} failed (${advised.error}); ${best.model} worked and was fastest. ${measured}`);
  }
  if (best.model !== advice.model && best.ms < 0.8 * advised.ms) {
    const why =
      best.model === "serial"
        ? `Measured on the samples, serial (${round(best.ms, 1)} ms) beat ${advice.model} (${round(advised.ms, 1)} ms) by more than 20%: the samples are too little work to pay for a pool; measure again with more --inputs or --items before adding workers.`
        : `Measured on the samples, ${best.model} (${round(best.ms, 1)} ms) beat ${advice.model} (${round(advised.ms, 1)} ms) by more than 20%: prefer it.`;
    return adviceFor(best.model, advice, best, `${why} ${measured}`);
  }
  return { ...advice, reasons: [...advice.reasons, measured] };
}

// ---------------------------------------------------------------------------
// Inputs, the report, and the experiment.
// ---------------------------------------------------------------------------

/**
 * Parses `--inputs`: inline JSON (starting with `[` or `{`) or a JSON file.
 * An array is one argument per call (`map`); `{ "args": [[a, b], …] }` is an
 * argument list per call (`starmap`).
 *
 * @throws {TypeError} When the text is neither, naming the value.
 */
export async function parseInputs(text: string): Promise<unknown[][]> {
  const trimmed = text.trim();
  let json: string;
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) json = trimmed;
  else {
    try {
      json = await readFile(resolve(trimmed), "utf8");
    } catch (error) {
      throw new TypeError(`Cannot read advise inputs as '--inputs' must be JSON or a JSON file: received ${JSON.stringify(text)} (${(error as Error).message})`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new TypeError(`Cannot parse advise inputs as '--inputs' must be valid JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(value)) return value.map((item) => [item]);
  const args = (value as { args?: unknown } | null)?.args;
  if (Array.isArray(args) && args.every(Array.isArray)) return args as unknown[][];
  throw new TypeError(`Cannot use advise inputs as '--inputs' must be an array or { "args": [[...], ...] }: received ${json.slice(0, 60)}`);
}

/** The module of `--task`: a path (relative to the working directory) or a URL. */
export function taskModule(text: string): string {
  return moduleUrl("run advise", text, { name: "--task", relativeTo: process.cwd() });
}

/** The built-in samples: one CPU-bound workload, one I/O-bound. */
export function builtInSamples(quick: boolean): { label: string; task: TaskRef; calls: unknown[][]; items: number }[] {
  return [
    {
      label: "sample: sumOfSquares (CPU-bound)",
      task: cpu.sumOfSquares,
      calls: Array.from({ length: quick ? 4 : 16 }, (_, i) => [(quick ? 200_000 : 2_000_000) + i]),
      items: quick ? 4 : 1000,
    },
    {
      label: "sample: waitThenSquare (I/O-bound)",
      task: cpu.waitThenSquare,
      calls: Array.from({ length: quick ? 4 : 10 }, () => [20]),
      items: quick ? 4 : 1000,
    },
  ];
}

function busyShare(r: AdviseResult): number {
  return r.wallMs > 0 ? r.busyMs / r.wallMs : 0;
}

/** The report for one or more advised workloads. */
export function adviseReport(results: readonly AdviseResult[]): ExperimentResult {
  const tables: ResultTable[] = [
    {
      title: "Recommendations",
      columns: ["workload", "model", "workers", "concurrency", "chunk size", "main thread busy", "wall per call (ms)", "CPU per call (ms)"],
      rows: results.map((r) => [
        r.label,
        r.advice.model,
        r.advice.workers,
        r.advice.concurrency,
        r.advice.chunksize,
        `${Math.round(busyShare(r) * 100)}%`,
        round(r.wallMs / Math.max(1, r.samples), 3),
        round(r.cpuMs / Math.max(1, r.samples), 3),
      ]),
      caption:
        "The sample calls run one after another on the main thread. Busy is the event loop's busy share of the wall time " +
        "(performance.eventLoopUtilization); CPU is the process's CPU time (process.cpuUsage, every thread).",
    },
  ];
  const charts: ChartSpec[] = [
    {
      kind: "bar",
      title: "Where a call's time goes",
      caption: "Busy vs waiting per call, from the event loop's utilisation around each sample call. Mostly waiting: async. Mostly busy: threads (or processes).",
      xLabel: "workload",
      yLabel: "ms per call",
      stacked: true,
      labels: results.map((r) => r.label),
      series: [
        { label: "busy", values: results.map((r) => round(r.busyMs / Math.max(1, r.samples), 3)) },
        { label: "waiting", values: results.map((r) => round(Math.max(0, r.wallMs - r.busyMs) / Math.max(1, r.samples), 3)) },
      ],
    },
  ];
  for (const r of results.filter((x) => x.trials.length > 0)) {
    tables.push({
      title: `Trials on the ${r.samples} samples: ${r.label}`,
      columns: ["model", "workers", "chunk size", "ms", "error"],
      rows: r.trials.map((t) => [t.model, t.workers, t.chunksize, t.ms === null ? null : round(t.ms, 1), t.error ?? ""]),
      caption: "Pools were started and warmed up before their trial; each trial ran every sample once.",
    });
    charts.push({
      kind: "bar",
      title: `Trials: ${r.label}`,
      caption: `Each model ran the ${r.samples} sample calls once; the recommendation was ${r.advice.model}.`,
      xLabel: "model",
      yLabel: "ms",
      labels: r.trials.map((t) => t.model),
      series: [{ label: "ms", values: r.trials.map((t) => (t.ms === null ? null : round(t.ms, 1))) }],
    });
  }
  return {
    summary: results.map((r) => `${r.label}: ${r.advice.model}${r.advice.model === "threads" || r.advice.model === "processes" ? ` ×${r.advice.workers}, chunk size ${r.advice.chunksize}` : r.advice.model === "async" ? `, ~${r.advice.concurrency} in flight` : ""}.`).join(" "),
    headline: results.map((r) => ({ label: `advise: ${r.label}`, value: r.advice.model, detail: `main thread busy ${Math.round(busyShare(r) * 100)}%` })),
    tables,
    charts,
    notes: results.flatMap((r) => r.advice.reasons.map((reason) => `${r.label}: ${reason}`)),
  };
}

export default defineExperiment({
  name: "advise",
  title: "When to use what",
  description: "measure a task's CPU time vs wall time on sample inputs and recommend a model, workers and a chunk size",
  source: "the roadmap article, Non-sequential Python, the Concurrent Programming lesson",
  flags: {
    task: { type: "string", default: "", description: "the task's module: a path or URL (none: the built-in samples)" },
    export: { type: "string", default: "", description: "the task's export name" },
    inputs: { type: "string", default: "", description: "sample inputs: JSON or a JSON file; [x, …] or {\"args\": [[a, b], …]}" },
    items: { type: "integer", min: 0, default: 0, description: "items of the real workload, for the chunk size (0: the samples)" },
    verify: { type: "boolean", default: true, description: "try each model on the samples" },
  },
  async validate(flags) {
    try {
      if (flags.task === "") {
        if (flags.export !== "" || flags.inputs !== "") throw new TypeError("Cannot advise as '--task' must be given with '--export' and '--inputs'");
        return;
      }
      if (flags.export === "") throw new TypeError("Cannot advise as '--export' must name the task's export: received \"\"");
      if (flags.inputs === "") throw new TypeError("Cannot advise as '--inputs' must give sample inputs: received \"\"");
      await parseInputs(flags.inputs);
      let exported: unknown;
      try {
        exported = ((await import(taskModule(flags.task))) as Record<string, unknown>)[flags.export];
      } catch (error) {
        throw new TypeError(`Cannot advise as '--task' must be a module that loads: received ${JSON.stringify(flags.task)} (${(error as Error).message.split("\n")[0]})`);
      }
      if (typeof exported !== "function") {
        throw new TypeError(`Cannot advise as '--export' must name a function of ${flags.task}: received ${JSON.stringify(flags.export)}`);
      }
    } catch (error) {
      throw error instanceof UsageError ? error : new UsageError((error as Error).message.split("\n")[0] as string);
    }
  },
  async run(ctx) {
    const { flags } = ctx;
    const cores = ctx.machine.cores || availableParallelism();
    let workloads: { label: string; task: TaskRef; calls: unknown[][]; items: number }[];
    if (flags.task === "") {
      if (flags.export !== "" || flags.inputs !== "") throw new TypeError("Cannot advise as '--task' must be given with '--export' and '--inputs'");
      workloads = builtInSamples(ctx.quick);
    } else {
      if (flags.export === "") throw new TypeError("Cannot advise as '--export' must name the task's export: received \"\"");
      if (flags.inputs === "") throw new TypeError("Cannot advise as '--inputs' must give sample inputs: received \"\"");
      const calls = await parseInputs(flags.inputs);
      workloads = [{ label: `${flags.export} (${flags.task})`, task: task(taskModule(flags.task), flags.export), calls, items: flags.items || calls.length }];
    }
    const results: AdviseResult[] = [];
    for (const w of workloads) {
      results.push(await runAdvise({ ...w, cores, verify: flags.verify, progress: ctx.progress }));
    }
    return adviseReport(results);
  },
});
