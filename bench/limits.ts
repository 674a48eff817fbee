/**
 * The limits' benchmarks, juggle and its anchors side by side in one run
 * (sides alternate round by round, medians and ratios printed):
 *
 * 1. Overhead per operation: N no-op tasks (200,000; 50,000 with --quick)
 *    through a rate limit they never reach, so only the bookkeeping is
 *    measured: `RateLimiter` (sliding window, token bucket), `KeyedLimiter`
 *    (100 keys, per-key rate), p-queue with `intervalCap`, and two floors.
 *    `RateLimiter`'s is a bare token bucket checked inline (target ≤ 1.5x
 *    it). That floor never learns when a task ends, which a concurrency
 *    limit must, so `KeyedLimiter`'s fair floor is a per-key limiter written
 *    by hand doing the same work at its leanest: a Map of keys, each with a
 *    running count and a token bucket, released by one reaction on the
 *    task's promise (target ≤ 1.5x it; its ratio to the bare bucket, the
 *    floor of earlier rounds, is printed too).
 * 2. Accuracy: tasks started under a limit of 10 per 100 ms; the worst
 *    window of 100 ms, over every start, and how far it overshoots the limit
 *    (target: 0 for juggle; p-queue's fixed windows shown beside).
 * 3. `KeyedLimiter` with 10,000 keys and 1,000,000 operations (100,000 with
 *    --quick), 1,000 in flight: µs per operation, heap in use and keys
 *    tracked midway, keys left at the end (0: idle keys are forgotten).
 *
 *     npx tsc -b && node --expose-gc dist/bench/limits.js [--quick]
 *
 * @module
 */
import { KeyedLimiter, RateLimiter } from "juggle-core";
import PQueue from "p-queue";

const quick = process.argv.includes("--quick");
const N = quick ? 50_000 : 200_000;
const ROUNDS = quick ? 3 : 9;
const ACCURACY_TASKS = quick ? 60 : 300;
const KEYS = 10_000;
const KEYED_OPS = quick ? 100_000 : 1_000_000;
const IN_FLIGHT = 1_000;

const noop = async (): Promise<void> => {};
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const fmt = (n: number, digits = 0): string => n.toLocaleString("en", { maximumFractionDigits: digits });
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** The floor: a token bucket in a few lines, refilled from the clock, checked before each start. */
class BareBucket {
  #tokens: number;
  #at = Date.now();
  constructor(
    readonly limit: number,
    readonly interval: number,
  ) {
    this.#tokens = limit;
  }
  take(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.limit, this.#tokens + ((now - this.#at) * this.limit) / this.interval);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}

interface HandKey {
  running: number;
  readonly bucket: BareBucket;
  readonly done: () => void;
  readonly failed: (error: unknown) => never;
}

/**
 * `KeyedLimiter`'s floor: per-key concurrency and a per-key token bucket in a
 * few lines, with the release reactions made once per key (not per task).
 * It throws where a limiter would wait: the benchmark never reaches a limit.
 */
class HandKeyed {
  readonly #keys = new Map<number, HandKey>();
  constructor(
    readonly concurrency: number,
    readonly limit: number,
    readonly interval: number,
  ) {}
  run(key: number, fn: () => Promise<void>): Promise<void> {
    let state = this.#keys.get(key);
    if (state === undefined) {
      const created: HandKey = {
        running: 0,
        bucket: new BareBucket(this.limit, this.interval),
        done: () => {
          created.running--;
        },
        failed: (error) => {
          created.running--;
          throw error;
        },
      };
      state = created;
      this.#keys.set(key, state);
    }
    if (state.running >= this.concurrency || !state.bucket.take()) throw new Error("the floor would have to wait");
    state.running++;
    return fn().then(state.done, state.failed);
  }
}

// A limit never reached: N starts within a minute are allowed.
const HIGH = { limit: N * 4, interval: 60_000 };

const sides: Record<string, () => Promise<unknown>> = {
  "bare token bucket (floor)": () => {
    const bucket = new BareBucket(HIGH.limit, HIGH.interval);
    const all: Promise<void>[] = new Array(N);
    for (let i = 0; i < N; i++) {
      if (!bucket.take()) throw new Error("the floor ran out of tokens");
      all[i] = noop();
    }
    return Promise.all(all);
  },
  "RateLimiter sliding window": () => {
    const limiter = new RateLimiter(HIGH);
    const all: Promise<void>[] = new Array(N);
    for (let i = 0; i < N; i++) all[i] = limiter.run(noop);
    return Promise.all(all);
  },
  "RateLimiter token bucket": () => {
    const limiter = new RateLimiter({ ...HIGH, algorithm: "token-bucket" });
    const all: Promise<void>[] = new Array(N);
    for (let i = 0; i < N; i++) all[i] = limiter.run(noop);
    return Promise.all(all);
  },
  "per-key by hand (keyed floor)": () => {
    const limiter = new HandKeyed(Number.POSITIVE_INFINITY, HIGH.limit, HIGH.interval);
    const all: Promise<void>[] = new Array(N);
    for (let i = 0; i < N; i++) all[i] = limiter.run(i % 100, noop);
    return Promise.all(all);
  },
  "KeyedLimiter 100 keys + rate": () => {
    const limiter = new KeyedLimiter({ concurrency: Number.POSITIVE_INFINITY, rate: HIGH });
    const all: Promise<void>[] = new Array(N);
    for (let i = 0; i < N; i++) all[i] = limiter.run(i % 100, noop);
    return Promise.all(all);
  },
  "p-queue intervalCap": () => {
    const queue = new PQueue({ intervalCap: HIGH.limit, interval: HIGH.interval });
    const all: Promise<void>[] = new Array(N);
    for (let i = 0; i < N; i++) all[i] = queue.add(noop);
    return Promise.all(all);
  },
};

async function overhead(): Promise<void> {
  console.log(`\n1. overhead: ${fmt(N)} no-op tasks under a rate limit they never reach (median of ${ROUNDS} rounds, sides alternate)`);
  const names = Object.keys(sides);
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) await sides[name]?.(); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const start = performance.now();
      await sides[name]?.();
      times[name]?.push(performance.now() - start);
    }
  }
  const floor = median(times["bare token bucket (floor)"] ?? []);
  const keyedFloor = median(times["per-key by hand (keyed floor)"] ?? []);
  const pqueue = median(times["p-queue intervalCap"] ?? []);
  for (const name of names) {
    const ms = median(times[name] ?? []);
    const ratios = `${fmt(ms / floor, 2)}x floor  ${fmt(ms / keyedFloor, 2)}x keyed floor  ${fmt(ms / pqueue, 2)}x p-queue`;
    console.log(`  ${name.padEnd(30)} ${fmt(ms, 1).padStart(8)} ms  ${fmt((ms * 1000) / N, 3).padStart(7)} µs/op  ${ratios}`);
  }
  console.log("  target: RateLimiter ≤ 1.5x the floor; KeyedLimiter ≤ 1.5x the keyed floor (a concurrency limit must see each task end:");
  console.log("  the bare bucket never does, the per-key limiter by hand does, with one reaction per task)");
}

/** The largest number of starts within any window [t, t + interval) beginning at a start. */
function worstWindow(starts: number[], interval: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let worst = 0;
  let end = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (end < sorted.length && (sorted[end] as number) < (sorted[i] as number) + interval) end++;
    worst = Math.max(worst, end - i);
  }
  return worst;
}

async function accuracy(): Promise<void> {
  const limit = 10;
  const interval = 100;
  // Tasks arrive at random times (the same for every side), about as fast
  // as the limit lets them start: windows are partly used when new tasks
  // come, where fixed windows let a burst straddle their boundary.
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const span = (ACCURACY_TASKS / limit) * interval;
  const arrivals = Array.from({ length: ACCURACY_TASKS }, () => Math.floor(random() * span));
  console.log(
    `\n2. accuracy: ${ACCURACY_TASKS} tasks arriving at random over ${span} ms, limited to ${limit} per ${interval} ms; the busiest ${interval} ms window`,
  );
  const measure = async (name: string, start: (fn: () => void) => Promise<unknown>): Promise<void> => {
    const starts: number[] = [];
    await Promise.all(
      arrivals.map((at) => new Promise((resolve) => setTimeout(resolve, at)).then(() => start(() => starts.push(Date.now())))),
    );
    const worst = worstWindow(starts, interval);
    console.log(`  ${name.padEnd(30)} worst window ${String(worst).padStart(3)} starts, overshoot ${Math.max(0, worst - limit)}`);
  };
  const sliding = new RateLimiter({ limit, interval });
  await measure("RateLimiter sliding window", (fn) => sliding.run(fn));
  const bucket = new RateLimiter({ limit, interval, algorithm: "token-bucket", burst: 1 });
  await measure("RateLimiter token bucket burst 1", (fn) => bucket.run(fn));
  const keyed = new KeyedLimiter({ concurrency: Number.POSITIVE_INFINITY, rate: { limit, interval } });
  await measure("KeyedLimiter one key + rate", (fn) => keyed.run("host", fn));
  const queue = new PQueue({ intervalCap: limit, interval });
  await measure("p-queue intervalCap", (fn) => queue.add(fn));
  console.log("  target: overshoot 0 (a token bucket with burst 1 spreads the starts evenly)");
}

async function manyKeys(): Promise<void> {
  console.log(`\n3. KeyedLimiter: ${fmt(KEYS)} keys, ${fmt(KEYED_OPS)} operations, ${fmt(IN_FLIGHT)} in flight`);
  for (const [label, options] of [
    ["concurrency 2", { concurrency: 2 }],
    ["concurrency 2 + rate", { concurrency: 2, rate: { limit: 1_000_000, interval: 1000 } }],
  ] as const) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const limiter = new KeyedLimiter(options);
    let next = 0;
    let midway = { heap: 0, keys: 0 };
    const start = performance.now();
    const driver = async (): Promise<void> => {
      while (next < KEYED_OPS) {
        const i = next++;
        if (i === KEYED_OPS >> 1) midway = { heap: process.memoryUsage().heapUsed - before, keys: limiter.keys };
        // A spread of keys, not round-robin: some keys meet their limit.
        await limiter.run((i * 7919) % KEYS, noop);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, driver));
    const ms = performance.now() - start;
    console.log(
      `  ${label.padEnd(22)} ${fmt((ms * 1000) / KEYED_OPS, 3).padStart(7)} µs/op  heap midway +${fmt(midway.heap / 1024 / 1024, 1)} MB, ${fmt(midway.keys)} keys tracked; ${fmt(limiter.keys)} left at the end`,
    );
  }
}

await overhead();
await accuracy();
await manyKeys();
