/**
 * Samples the machine's CPU utilisation while an experiment runs, for charts
 * like High Performance Python's Figures 9-3 to 9-8 (one line per CPU, 0 to
 * 100% over time).
 *
 * Like the book's sampler it records the whole machine, not just this
 * process: every logical CPU's busy share over each interval, from the
 * deltas of `os.cpus()` times. It runs in its own worker thread so that it
 * keeps sampling while the main thread is busy (the serial runs compute on
 * the main thread, and a timer there would not fire until they end).
 *
 * The kernel counts CPU time in ticks of 10 ms, so at the default 100 ms
 * interval each reading is accurate to about ±10%.
 *
 * @module
 */
import { cpus } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

/** One reading: the utilisation of each CPU over the interval that ended at `t`. */
export interface CpuSample {
  /** Milliseconds since the sampler started. */
  t: number;
  /** Busy share of each logical CPU over the interval, 0..100. */
  cpus: number[];
}

/** What a sampler recorded. */
export interface CpuTimeline {
  /** The requested interval between samples, ms. */
  intervalMs: number;
  /** Logical CPUs of the machine. */
  cpuCount: number;
  samples: CpuSample[];
}

/** Options for {@link CpuSampler}. */
export interface CpuSamplerOptions {
  /** Milliseconds between samples. Default 100. */
  intervalMs?: number;
}

interface Times {
  busy: number;
  total: number;
}

function readTimes(): Times[] {
  return cpus().map((c) => {
    const { user, nice, sys, idle, irq } = c.times;
    const busy = user + nice + sys + irq;
    return { busy, total: busy + idle };
  });
}

/** Utilisation per CPU between two readings, 0..100. */
export function utilisation(before: readonly Times[], after: readonly Times[]): number[] {
  return after.map((a, i) => {
    const b = before[i];
    if (b === undefined) return 0;
    const total = a.total - b.total;
    return total <= 0 ? 0 : Math.max(0, Math.min(100, (100 * (a.busy - b.busy)) / total));
  });
}

/**
 * Mean utilisation of the whole machine over a timeline, in "CPUs busy"
 * (0..cpuCount): 1.9 means nearly two CPUs were busy on average.
 */
export function cpusBusy(timeline: CpuTimeline): number {
  if (timeline.samples.length === 0) return 0;
  let sum = 0;
  for (const s of timeline.samples) for (const u of s.cpus) sum += u;
  return sum / 100 / timeline.samples.length;
}

const WORKER_MARK = "juggle.lab.cpu-sampler";

/**
 * Samples every CPU's utilisation in a worker thread until stopped.
 *
 * @example Charting a run's CPU use
 * ```ts
 * const sampler = await CpuSampler.start({ intervalMs: 100 });
 * await pool.map(t.piLoop, chunks);
 * const timeline = await sampler.stop(); // { samples: [{ t, cpus: [98, 97] }, ...] }
 * ```
 */
export class CpuSampler {
  readonly #worker: Worker;
  readonly #intervalMs: number;
  #stopped: Promise<CpuTimeline> | undefined;

  private constructor(worker: Worker, intervalMs: number) {
    this.#worker = worker;
    this.#intervalMs = intervalMs;
  }

  /**
   * Starts a sampler; resolves once its worker has taken the first reading.
   *
   * @throws {RangeError} When `intervalMs` is not a positive number.
   */
  static async start(options: CpuSamplerOptions = {}): Promise<CpuSampler> {
    const intervalMs = options.intervalMs ?? 100;
    if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new RangeError(`Cannot start CpuSampler as 'intervalMs' must be a positive number: received ${String(intervalMs)}`);
    }
    const worker = new Worker(new URL(import.meta.url), { workerData: { mark: WORKER_MARK, intervalMs } });
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
      // A worker that exits without an error event (process.exit, terminate)
      // would otherwise leave this wait pending forever.
      worker.once("exit", (code) => reject(new Error(`Cannot start CpuSampler as its worker exited with code ${code}`)));
    });
    // A forgotten sampler must not keep the process alive; stop() refs it again.
    worker.unref();
    return new CpuSampler(worker, intervalMs);
  }

  /** Stops sampling (taking one last reading) and returns every sample; idempotent. */
  stop(): Promise<CpuTimeline> {
    this.#stopped ??= new Promise<CpuTimeline>((resolve, reject) => {
      this.#worker.once("message", (samples: CpuSample[]) => {
        resolve({ intervalMs: this.#intervalMs, cpuCount: cpus().length, samples });
      });
      this.#worker.once("error", reject);
      this.#worker.once("exit", (code) => reject(new Error(`Cannot stop CpuSampler as its worker exited with code ${code} before sending its samples`)));
      this.#worker.ref();
      this.#worker.postMessage("stop");
    }).finally(() => this.#worker.terminate());
    return this.#stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Runs `fn` while sampling; returns its result and the timeline. */
export async function sampleWhile<T>(fn: () => Promise<T> | T, options?: CpuSamplerOptions): Promise<{ result: T; timeline: CpuTimeline }> {
  const sampler = await CpuSampler.start(options);
  try {
    const result = await fn();
    return { result, timeline: await sampler.stop() };
  } finally {
    await sampler.stop();
  }
}

// The worker side: sample on a timer, send everything back on "stop".
if (!isMainThread && (workerData as { mark?: string } | null)?.mark === WORKER_MARK && parentPort !== null) {
  const port = parentPort;
  const { intervalMs } = workerData as { intervalMs: number };
  const origin = performance.now();
  const samples: CpuSample[] = [];
  let last = readTimes();
  let lastAt = origin;
  const take = () => {
    const now = readTimes();
    const at = performance.now();
    // Skip empty intervals (two readings within one kernel tick).
    if (at - lastAt >= 1) samples.push({ t: at - origin, cpus: utilisation(last, now) });
    last = now;
    lastAt = at;
  };
  const timer = setInterval(take, intervalMs);
  port.on("message", () => {
    clearInterval(timer);
    take();
    port.postMessage(samples);
    port.close();
  });
  port.postMessage("ready");
}
