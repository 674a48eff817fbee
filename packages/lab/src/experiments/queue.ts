/**
 * `juggle lab queue`: a work queue with poison pills (High Performance
 * Python ch. 9, "Queues of Work", Examples 9-5 to 9-9 and Figure 9-15):
 * workers take numbers from a jobs queue and put the primes on a results
 * queue until they meet the poison pill, compared with the queue-less
 * serial loop; and the same with an asynchronous feeder that puts jobs while
 * the results are collected.
 *
 * Threads share two `SharedQueue`s in shared memory; processes, which share
 * no memory in Node, reach two queues held by a `Manager` with messages, as
 * the book's `multiprocessing.Manager().Queue()` does.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { Process } from "juggle-core";
import { Thread } from "juggle-core";
import { Manager } from "juggle-core/shared-memory";
import { ProcessQueue } from "juggle-core/shared-memory";
import { SharedQueue } from "juggle-core/shared-memory";
import { type ChartSpec, defineExperiment, type ExperimentResult } from "../experiment.js";
import type { Progress } from "../progress.js";
import { measurementProblem } from "../measurement-check.js";
import { formatSpread, type Spread, spread } from "../spread.js";
import { ALL_DONE, WORKER_FINISHED, WORKER_READY } from "../tasks/ipc.js";
import { isPrime } from "../tasks/cpu.js";
import { ipc, oneTo, round } from "./cpu-bench.js";

export type QueueModel = "threads" | "processes";

export interface QueueOptions {
  /** First number checked. */
  start: number;
  /** How many consecutive numbers are put on the queue. */
  count: number;
  /** Largest number of workers (runs go 1..maxWorkers). */
  maxWorkers: number;
  models: readonly QueueModel[];
  /** Workers of the asynchronous-feeder runs. */
  feederWorkers: number;
  /** Slots of the jobs queue in the feeder runs (the feeder waits when it is full). */
  feederCapacity: number;
  /** Runs of each configuration, round after round (the median is shown, with min and max). Default 1. */
  repeats?: number;
  /** Cores, for the measurement check. Default: `availableParallelism()`. */
  cores?: number;
  progress?: Progress;
}

export interface QueueRun {
  variant: "serial loop" | "queue" | "queue + async feeder";
  model: "main thread" | QueueModel | "processes, ProcessQueue";
  workers: number;
  /** Wall time of the repeated runs, ms (median, min, max). */
  time: Spread;
  primes: number;
  /** Numbers each worker took from the queue (the last run). */
  perWorker: number[];
  /** Median serial loop / median run (1 for the loop). */
  speedup: number;
  /** Why the speed-up cannot be true (see `measurement-check.ts`), when it cannot. */
  problem?: string;
}

/** One measured run, before the repeats are summarised. */
type Measured = Omit<QueueRun, "time" | "speedup" | "problem"> & { ms: number };

export interface QueueResult {
  options: Omit<QueueOptions, "progress">;
  runs: QueueRun[];
}

/** The queue-less loop on the main thread: the book's single-process baseline. */
function serialLoop(start: number, count: number): Measured {
  const t0 = performance.now();
  let primes = 0;
  for (let n = start; n < start + count; n++) if (isPrime(n)) primes++;
  return { variant: "serial loop", model: "main thread", workers: 0, ms: performance.now() - t0, primes, perWorker: [] };
}

/** A started `Thread` or `Process`, as the queue runs use them. */
type Worker = Thread | Process;

/**
 * Runs `work` (feeding and collecting) but fails as soon as a worker fails
 * or crashes: a worker that cannot start must not leave the parent waiting
 * forever. On failure every worker is terminated.
 */
async function watching<T>(workers: readonly Worker[], work: () => Promise<T>): Promise<T> {
  let settled = false;
  const never = new Promise<never>(() => {});
  // A worker that returned has met its pill; one that failed or crashed ends the run.
  const early = Promise.race(
    workers.map((w) =>
      w.join().then(() => {
        if (settled || (w.error === undefined && (w.exitCode ?? 0) === 0)) return never;
        throw w.error ?? new Error(`Cannot finish the queue run as ${w.name} exited with code ${w.exitCode}`);
      }),
    ),
  );
  try {
    return await Promise.race([work(), early]);
  } catch (error) {
    for (const w of workers) if (w.isAlive) w.terminate();
    throw error;
  } finally {
    settled = true;
  }
}

/**
 * Threads with two shared-memory queues (Examples 9-5 to 9-7). With a
 * `feederCapacity`, the jobs are put by an async feeder on the event loop
 * while the results are collected (Examples 9-8 and 9-9); without one, every
 * job and pill is put first, then the results are read.
 */
async function threadQueue(start: number, count: number, workers: number, warm: readonly number[], feederCapacity?: number): Promise<Measured> {
  const capacity = feederCapacity ?? count + workers;
  const jobs = new SharedQueue<number>({ capacity, messageSize: 8 });
  // Room for every result and pill: workers never wait on a full results queue.
  const results = new SharedQueue<number>({ capacity: count + workers, messageSize: 8 });
  const threads = Array.from({ length: workers }, () => new Thread({ target: ipc.primeQueueWorker, args: [jobs, results, warm] }));
  for (const t of threads) t.start();
  // Start the clock once every worker runs, as the book forks before t1.
  await watching(threads, async () => {
    for (let ready = 0; ready < workers; ) if ((await results.get()) === WORKER_READY) ready++;
  });
  const t0 = performance.now();
  const feed = async () => {
    for (let n = start; n < start + count; n++) {
      if (jobs.tryPut(n).state !== "ok") await jobs.put(n);
    }
    for (let i = 0; i < workers; i++) await jobs.put(ALL_DONE);
  };
  const collect = async () => {
    let primes = 0;
    let finished = 0;
    while (finished < workers) {
      const got = results.tryGet();
      const value = got.state === "ok" ? got.value : await results.get();
      if (value === WORKER_FINISHED) finished++;
      else primes++;
    }
    return primes;
  };
  const primes = await watching(threads, async () => {
    if (feederCapacity !== undefined) return (await Promise.all([feed(), collect()]))[1];
    await feed();
    return collect();
  });
  const ms = performance.now() - t0;
  for (const t of threads) await t.join();
  const perWorker = threads.map((t) => {
    if (t.error !== undefined) throw t.error;
    return t.result as number;
  });
  return {
    variant: feederCapacity === undefined ? "queue" : "queue + async feeder",
    model: "threads",
    workers,
    ms,
    primes,
    perWorker,
  };
}

/**
 * Processes with two queues held by a `Manager` (Examples 9-5 to 9-9 as the
 * book runs them): every get and put is a message to this process. With
 * `transport: "ProcessQueue"`, two `ProcessQueue`s instead (the book's
 * `multiprocessing.Queue`: batched puts, items sent ahead to the consumers);
 * they have no size limit, so not for the feeder runs.
 */
async function processQueue(
  start: number,
  count: number,
  workers: number,
  warm: readonly number[],
  feederCapacity?: number,
  transport: "Manager" | "ProcessQueue" = "Manager",
): Promise<Measured> {
  const manager = transport === "Manager" ? await Manager.start() : undefined;
  const jobs = manager?.queue<number>(feederCapacity === undefined ? {} : { maxsize: feederCapacity }) ?? new ProcessQueue<number>();
  const results = manager?.queue<number>() ?? new ProcessQueue<number>();
  try {
    const procs = Array.from({ length: workers }, () => new Process({ target: ipc.primeQueueWorkerRemote, args: [jobs, results, warm] }));
    for (const p of procs) p.start();
    await watching(procs, async () => {
      for (let ready = 0; ready < workers; ) if ((await results.get()) === WORKER_READY) ready++;
    });
    const t0 = performance.now();
    const feed = async () => {
      for (let n = start; n < start + count; n++) await jobs.put(n);
      for (let i = 0; i < workers; i++) await jobs.put(ALL_DONE);
    };
    const collect = async () => {
      let primes = 0;
      for (let finished = 0; finished < workers; ) {
        if ((await results.get()) === WORKER_FINISHED) finished++;
        else primes++;
      }
      return primes;
    };
    const primes = await watching(procs, async () => {
      if (feederCapacity !== undefined) return (await Promise.all([feed(), collect()]))[1];
      await feed();
      return collect();
    });
    const ms = performance.now() - t0;
    for (const p of procs) await p.join();
    const perWorker = procs.map((p) => {
      if (p.error !== undefined) throw p.error;
      return p.result as number;
    });
    const model = manager === undefined ? "processes, ProcessQueue" : "processes";
    return { variant: feederCapacity === undefined ? "queue" : "queue + async feeder", model, workers, ms, primes, perWorker };
  } finally {
    await manager?.shutdown();
    for (const q of [jobs, results]) if (q instanceof ProcessQueue) q[Symbol.dispose]();
  }
}

/** Numbers each worker (and the serial loop) checks before the clock: the same JIT warm-up on every side. */
const WARM_NUMBERS = 500;

/** Runs the experiment. */
export async function runQueue(options: QueueOptions): Promise<QueueResult> {
  const { start, count, maxWorkers } = options;
  const repeats = options.repeats ?? 1;
  const cores = options.cores ?? availableParallelism();
  const warm = Array.from({ length: Math.min(count, WARM_NUMBERS) }, (_, i) => start + i);
  for (const n of warm) isPrime(n);
  const plan: (() => Promise<Measured>)[] = [async () => serialLoop(start, count)];
  for (const model of options.models) {
    for (const workers of oneTo(maxWorkers)) {
      plan.push(() => (model === "threads" ? threadQueue(start, count, workers, warm) : processQueue(start, count, workers, warm)));
    }
    plan.push(() =>
      model === "threads"
        ? threadQueue(start, count, options.feederWorkers, warm, options.feederCapacity)
        : processQueue(start, count, options.feederWorkers, warm, options.feederCapacity),
    );
    if (model === "processes") plan.push(() => processQueue(start, count, options.feederWorkers, warm, undefined, "ProcessQueue"));
  }
  const bar = options.progress?.task("queue: runs", plan.length * repeats);
  const measured = plan.map(() => [] as Measured[]);
  // Round after round, every configuration once, the serial loop included: its
  // baseline is measured across the same stretch of time (and load) as the runs.
  for (let r = 0; r < repeats; r++) {
    for (const [i, step] of plan.entries()) {
      measured[i]?.push(await step());
      bar?.tick();
    }
  }
  bar?.done();
  const summarise = (mine: Measured[]): Omit<QueueRun, "speedup"> => {
    const last = mine.at(-1) as Measured;
    const { ms: _ms, ...rest } = last;
    // A repeat that found a different count is the one shown: nothing wrong is hidden by a median.
    const primes = mine.find((m) => m.primes !== last.primes)?.primes ?? last.primes;
    return { ...rest, primes, time: spread(mine.map((m) => round(m.ms, 1))) };
  };
  const [serial, ...queued] = measured.map(summarise) as [Omit<QueueRun, "speedup">, ...Omit<QueueRun, "speedup">[]];
  const runs: QueueRun[] = [
    { ...serial, speedup: 1 },
    ...queued.map((run) => {
      const speedup = round(serial.time.median / run.time.median, 2);
      return { ...run, speedup, problem: measurementProblem(speedup, run.workers, cores) };
    }),
  ];
  const { progress: _progress, ...rest } = options;
  return { options: rest, runs };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

const seconds = (ms: number) => round(ms / 1000, 3);

function runLabel(run: QueueRun): string {
  if (run.variant === "serial loop") return "serial loop (no queue)";
  const workers = `${run.workers} worker${run.workers === 1 ? "" : "s"}`;
  return run.variant === "queue" ? workers : `${workers} + async feeder`;
}

const ms = (run: QueueRun): number => run.time.median;
const us = (run: QueueRun, count: number): number => round((1000 * ms(run)) / count, 1);

/** The report's summary, headline, tables, charts and notes for a result. */
export function queueReport(result: QueueResult): ExperimentResult {
  const { runs, options } = result;
  const repeats = options.repeats ?? 1;
  const serial = runs.find((r) => r.variant === "serial loop") as QueueRun;
  const queued = runs.filter((r) => r.variant !== "serial loop");
  const labels = [...new Set(runs.map(runLabel))];
  const models = [...new Set(queued.map((r) => r.model))];
  const fastest = queued.reduce<QueueRun | undefined>((a, b) => (a === undefined || ms(b) < ms(a) ? b : a), undefined);
  const slowest = queued.reduce<QueueRun | undefined>((a, b) => (a === undefined || ms(b) > ms(a) ? b : a), undefined);
  const describe = (r: QueueRun | undefined): string => (r === undefined ? "-" : `${r.model}, ${runLabel(r)}: ${seconds(ms(r))} s`);
  const chart: ChartSpec = {
    kind: "bar",
    title: "Cost of using queues",
    figure: "HPP Figure 9-15",
    caption:
      `Checking ${options.count.toLocaleString("en-US")} numbers from ${options.start.toLocaleString("en-US")} for primality ` +
      `(median of ${repeats} run(s), bars from the fastest to the slowest): the serial loop, and workers fed through a jobs ` +
      "queue with poison pills (threads on two SharedQueues, processes on two Manager queues or two ProcessQueues). " +
      `A check cost ${us(serial, options.count)} µs here (the serial loop took ${seconds(ms(serial))} s). ` +
      `Fastest: ${describe(fastest)}; slowest: ${describe(slowest)}. ` +
      "A queue pays off when a task takes far longer than moving it through the queue.",
    xLabel: "workers",
    yLabel: "seconds",
    labels,
    series: [
      { label: "no queue", values: labels.map((l) => (l === runLabel(serial) ? seconds(ms(serial)) : null)), errors: labels.map((l) => (l === runLabel(serial) ? [seconds(serial.time.min), seconds(serial.time.max)] : null)) },
      ...models.map((model) => {
        const mine = labels.map((l) => queued.find((r) => r.model === model && runLabel(r) === l));
        return {
          label: model,
          values: mine.map((run) => (run === undefined ? null : seconds(ms(run)))),
          errors: mine.map((run) => (run === undefined ? null : ([seconds(run.time.min), seconds(run.time.max)] as [number, number]))),
        };
      }),
    ],
  };
  const suspects = queued.filter((r) => r.problem !== undefined);
  const notes: string[] = [
    ...suspects.map((r) => `Measurement problem, ${r.model}, ${runLabel(r)}: ${r.problem}.`),
    "The clock starts once every worker has said it is running, as the book forks its processes before t1; every " +
      "worker first checks the same warm-up numbers as the serial loop did.",
    "juggle's SharedQueue moves a number between threads through shared memory in well under a microsecond and a " +
      "Manager queue needs a message round trip per get and per put, like the book's pickled Manager queue.",
  ];
  if (repeats < 3) notes.push(`Each configuration ran ${repeats} time(s) only (fewer than 3): not for conclusions.`);
  const wrong = queued.filter((r) => r.primes !== serial.primes);
  if (wrong.length > 0) notes.push(`${wrong.length} queue run(s) found a different number of primes than the loop!`);
  const threads1 = queued.find((r) => r.model === "threads" && r.workers === 1 && r.variant === "queue");
  const ratio = (r: QueueRun): string => (ms(r) >= ms(serial) ? `${round(ms(r) / ms(serial), 2)}× slower` : `${round(ms(serial) / ms(r), 2)}× faster`);
  return {
    summary:
      `The serial loop checked ${options.count.toLocaleString("en-US")} numbers in ${seconds(ms(serial))} s (median); through a queue ` +
      `the fastest run took ${fastest === undefined ? "?" : `${seconds(ms(fastest))} s (${fastest.model}, ${runLabel(fastest)})`}. ` +
      "Communication costs per item: a queue pays when each task takes far longer than a message." +
      (suspects.length > 0 ? " Some runs are SUSPECT (see the notes): measurement problems, not results." : ""),
    headline: [
      {
        label: "queue: 1 thread + queue vs serial loop",
        value: threads1 === undefined ? "?" : ratio(threads1),
        detail: "book: queue versions slower than the loop (its checks were cheaper than a message)",
      },
    ],
    tables: [
      {
        title: "Work queue with poison pills vs the serial loop",
        columns: ["variant", "model", "workers", "seconds (min–max)", "µs per number", "speed-up", "primes", "numbers per worker", "check"],
        rows: runs.map((r) => [
          r.variant,
          r.model,
          r.workers,
          formatSpread(r.time, 3, 1 / 1000),
          us(r, options.count),
          r.speedup,
          r.primes,
          r.perWorker.join(" / "),
          r.problem === undefined ? "ok" : "SUSPECT",
        ]),
        caption:
          `Median of ${repeats} run(s) per row with (fastest–slowest), all configurations run round after round; speed-up is ` +
          `median serial / median run. The async feeder puts jobs on a ${options.feederCapacity}-slot queue while the results ` +
          "are collected (Examples 9-8 and 9-9). SUSPECT: a speed-up above the core count or one worker >10% faster than " +
          "serial, a measurement problem (see the notes).",
      },
    ],
    charts: [chart],
    notes,
  };
}

export default defineExperiment({
  name: "queue",
  title: "Queues of work",
  description: "prime checks through a work queue with poison pills (threads, processes) vs the serial loop; async feeder",
  source: "HPP ch. 9",
  flags: {
    start: { type: "integer", min: 2, max: 2 ** 50, default: 10_000_000_000, quick: 1_000_000, description: "first number checked (above 2^31 a check costs about 100 µs: the serial loop lasts a second or two)" },
    count: { type: "integer", min: 1, max: 1_000_000, default: 20_000, quick: 500, description: "numbers put on the queue" },
    maxWorkers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "largest worker count (0: the cores)" },
    models: { type: "string", choices: ["both", "threads", "processes"], default: "both", description: "which workers to run" },
    feederWorkers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "workers of the async-feeder runs (0: the cores)" },
    feederCapacity: { type: "integer", min: 1, default: 1024, quick: 64, description: "slots of the fed jobs queue" },
    repeats: { type: "integer", min: 1, max: 100, default: 3, quick: 1, description: "runs of each configuration (median and min-max shown)" },
  },
  async run(ctx) {
    const { flags } = ctx;
    const cores = ctx.machine.cores || availableParallelism();
    const result = await runQueue({
      start: flags.start,
      count: flags.count,
      maxWorkers: flags.maxWorkers === 0 ? cores : flags.maxWorkers,
      models: flags.models === "both" ? ["threads", "processes"] : [flags.models as QueueModel],
      feederWorkers: flags.feederWorkers === 0 ? cores : flags.feederWorkers,
      feederCapacity: flags.feederCapacity,
      repeats: flags.repeats,
      cores,
      progress: ctx.progress,
    });
    return queueReport(result);
  },
});
