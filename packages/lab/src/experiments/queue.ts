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
  progress?: Progress;
}

export interface QueueRun {
  variant: "serial loop" | "queue" | "queue + async feeder";
  model: "main thread" | QueueModel | "processes, ProcessQueue";
  workers: number;
  ms: number;
  primes: number;
  /** Numbers each worker took from the queue. */
  perWorker: number[];
}

export interface QueueResult {
  options: Omit<QueueOptions, "progress">;
  runs: QueueRun[];
}

/** The queue-less loop on the main thread: the book's single-process baseline. */
function serialLoop(start: number, count: number): QueueRun {
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
async function threadQueue(start: number, count: number, workers: number, feederCapacity?: number): Promise<QueueRun> {
  const capacity = feederCapacity ?? count + workers;
  const jobs = new SharedQueue<number>({ capacity, messageSize: 8 });
  // Room for every result and pill: workers never wait on a full results queue.
  const results = new SharedQueue<number>({ capacity: count + workers, messageSize: 8 });
  const threads = Array.from({ length: workers }, () => new Thread({ target: ipc.primeQueueWorker, args: [jobs, results] }));
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
  feederCapacity?: number,
  transport: "Manager" | "ProcessQueue" = "Manager",
): Promise<QueueRun> {
  const manager = transport === "Manager" ? await Manager.start() : undefined;
  const jobs = manager?.queue<number>(feederCapacity === undefined ? {} : { maxsize: feederCapacity }) ?? new ProcessQueue<number>();
  const results = manager?.queue<number>() ?? new ProcessQueue<number>();
  try {
    const procs = Array.from({ length: workers }, () => new Process({ target: ipc.primeQueueWorkerRemote, args: [jobs, results] }));
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

/** Runs the experiment. */
export async function runQueue(options: QueueOptions): Promise<QueueResult> {
  const { start, count, maxWorkers } = options;
  const plan: (() => Promise<QueueRun>)[] = [async () => serialLoop(start, count)];
  for (const model of options.models) {
    for (const workers of oneTo(maxWorkers)) {
      plan.push(() => (model === "threads" ? threadQueue(start, count, workers) : processQueue(start, count, workers)));
    }
    plan.push(() =>
      model === "threads"
        ? threadQueue(start, count, options.feederWorkers, options.feederCapacity)
        : processQueue(start, count, options.feederWorkers, options.feederCapacity),
    );
    if (model === "processes") plan.push(() => processQueue(start, count, options.feederWorkers, undefined, "ProcessQueue"));
  }
  const bar = options.progress?.task("queue: runs", plan.length);
  const runs: QueueRun[] = [];
  for (const step of plan) {
    const run = await step();
    runs.push({ ...run, ms: round(run.ms, 1) });
    bar?.tick();
  }
  bar?.done();
  const { progress: _progress, ...rest } = options;
  return { options: rest, runs };
}

// ---------------------------------------------------------------------------
// The experiment: tables, charts and the text of the report.
// ---------------------------------------------------------------------------

const seconds = (ms: number) => round(ms / 1000, 4);

function runLabel(run: QueueRun): string {
  if (run.variant === "serial loop") return "serial loop (no queue)";
  const workers = `${run.workers} worker${run.workers === 1 ? "" : "s"}`;
  return run.variant === "queue" ? workers : `${workers} + async feeder`;
}

/** The report's summary, headline, tables, charts and notes for a result. */
export function queueReport(result: QueueResult): ExperimentResult {
  const { runs, options } = result;
  const serial = runs.find((r) => r.variant === "serial loop") as QueueRun;
  const queued = runs.filter((r) => r.variant !== "serial loop");
  const labels = [...new Set(runs.map(runLabel))];
  const chart: ChartSpec = {
    kind: "bar",
    title: "Cost of using queues",
    figure: "HPP Figure 9-15",
    caption:
      `Checking ${options.count.toLocaleString("en-US")} numbers from ${options.start.toLocaleString("en-US")} for primality: ` +
      "the serial loop, and workers fed through a jobs queue with poison pills (threads on two SharedQueues, processes on " +
      "two Manager queues). Each check takes about a microsecond, so moving every number through a queue costs more than " +
      "checking it: in the book, every queue version lost to the loop. Queues pay off for tasks that take a sizable " +
      "fraction of a second.",
    xLabel: "workers",
    yLabel: "seconds",
    labels,
    series: [
      { label: "no queue", values: labels.map((l) => (l === runLabel(serial) ? seconds(serial.ms) : null)) },
      ...options.models.map((model) => ({
        label: model,
        values: labels.map((l) => {
          const run = queued.find((r) => r.model === model && runLabel(r) === l);
          return run === undefined ? null : seconds(run.ms);
        }),
      })),
    ],
  };
  const notes: string[] = [
    "The clock starts once every worker has said it is running, as the book forks its processes before t1.",
    "juggle's SharedQueue moves a number between threads through shared memory in well under a microsecond and a " +
      "Manager queue needs a message round trip per get and per put, like the book's pickled Manager queue; both are " +
      "still dearer than the work itself here.",
  ];
  const fastest = queued.reduce<QueueRun | undefined>((a, b) => (a === undefined || b.ms < a.ms ? b : a), undefined);
  if (fastest !== undefined && fastest.ms < serial.ms) {
    notes.push(
      `Unlike the book, ${fastest.model} with ${runLabel(fastest)} (${seconds(fastest.ms)} s) beat the serial loop ` +
        `(${seconds(serial.ms)} s) on this run: the work per number was large enough to pay for the queue.`,
    );
  }
  const wrong = queued.filter((r) => r.primes !== serial.primes);
  if (wrong.length > 0) notes.push(`${wrong.length} queue run(s) found a different number of primes than the loop!`);
  const threads1 = queued.find((r) => r.model === "threads" && r.workers === 1 && r.variant === "queue");
  return {
    summary:
      `The serial loop checked ${options.count.toLocaleString("en-US")} numbers in ${seconds(serial.ms)} s; through a queue ` +
      `the fastest run took ${fastest === undefined ? "?" : `${seconds(fastest.ms)} s (${fastest.model}, ${runLabel(fastest)})`}. ` +
      "With tiny tasks, communication dominates: use a queue for work that takes far longer than a message.",
    headline: [
      {
        label: "queue: 1 thread + queue vs serial loop",
        value: threads1 === undefined ? "?" : `${round(threads1.ms / serial.ms, 1)}× slower`,
        detail: "book: queue versions slower than the loop",
      },
    ],
    tables: [
      {
        title: "Work queue with poison pills vs the serial loop",
        columns: ["variant", "model", "workers", "seconds", "primes", "numbers per worker"],
        rows: runs.map((r) => [r.variant, r.model, r.workers, seconds(r.ms), r.primes, r.perWorker.join(" / ")]),
        caption: `The async feeder puts jobs on a ${options.feederCapacity}-slot queue while the results are collected (Examples 9-8 and 9-9).`,
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
    start: { type: "integer", min: 2, max: 2 ** 50, default: 100_000_000, quick: 1_000_000, description: "first number checked" },
    count: { type: "integer", min: 1, max: 1_000_000, default: 20_000, quick: 500, description: "numbers put on the queue" },
    maxWorkers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "largest worker count (0: twice the cores)" },
    models: { type: "string", choices: ["both", "threads", "processes"], default: "both", description: "which workers to run" },
    feederWorkers: { type: "integer", min: 0, max: 64, default: 0, quick: 2, description: "workers of the async-feeder runs (0: the cores)" },
    feederCapacity: { type: "integer", min: 1, default: 1024, quick: 64, description: "slots of the fed jobs queue" },
  },
  async run(ctx) {
    const { flags } = ctx;
    const cores = ctx.machine.cores || availableParallelism();
    const result = await runQueue({
      start: flags.start,
      count: flags.count,
      maxWorkers: flags.maxWorkers === 0 ? 2 * cores : flags.maxWorkers,
      models: flags.models === "both" ? ["threads", "processes"] : [flags.models as QueueModel],
      feederWorkers: flags.feederWorkers === 0 ? cores : flags.feederWorkers,
      feederCapacity: flags.feederCapacity,
      progress: ctx.progress,
    });
    return queueReport(result);
  },
});
