/**
 * The distributed executor's benchmarks, juggle and raw BullMQ side by side
 * in one run (sides alternate round by round, medians printed):
 *
 * 1. Overhead: N no-op tasks (20,000; 2,000 with --quick) through raw BullMQ
 *    (`addBulk`, one `QueueEvents` listener gathering every result, jobs
 *    removed on completion) vs `RedisPool.map` unchunked (target: within
 *    1.2x of raw BullMQ's time) and with its default chunking (target: at
 *    least 10x raw BullMQ's items per second). One worker process per side,
 *    concurrency 8.
 * 2. CPU-bound: 200 tasks of ~50 ms (40 with --quick) over two `juggle
 *    worker` processes; parallel efficiency = task time / (2 × wall time)
 *    (target ≥ 90%).
 * 3. Latency of one round trip (submit, await, repeat): raw BullMQ
 *    (add + completed event) vs `RedisPool.submit`.
 * 4. Per-key limits: N no-op jobs, one per item, without keys and with a key
 *    per item (16 keys, `keys: { concurrency: 4 }`: room for the worker's 8
 *    at once, so the limit itself never holds a job back); jobs/s and the
 *    cost of the Lua slot scripts.
 *
 * Where RedisPool pays more than raw BullMQ per unchunked job: each job
 * carries a task reference and an encoded payload, and the pool's shared
 * executor bookkeeping runs per job on the producer (and the job's decoding
 * and result record on the worker; its `AbortSignal` is made only when the
 * task calls `taskSignal()`: in a CPU profile, one per job plus a promise of
 * ours around each call took about a quarter of the worker's busy time,
 * mostly garbage collection). A finished job stays in Redis
 * until its result is delivered (so a completion missed on the trimmed events
 * stream can still be read back), then the pool removes it, one script per
 * up to 1,000 delivered jobs: measured, that removal costs Redis a few µs per
 * job, and turning it off altogether did not move the ratio beyond the noise.
 * On a 2-core machine the producer, the worker and Redis share the cores, so
 * the ratio is about the three processes' total CPU time per job.
 *
 * Starts its own redis-server on a free loopback port.
 *
 *     npx tsc -p tsconfig.json && node dist/bench/distributed.js [--quick]
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { tasks } from "juggle-core";
import { RedisPool } from "juggle-redis";
import { startRedisServer } from "juggle-testing/redis-server";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 1 : 3;
const N = quick ? 2_000 : 20_000;
const CPU_TASKS = quick ? 40 : 200;
const CPU_MS = 50;
const ROUND_TRIPS = quick ? 100 : 500;
const CONCURRENCY = "8";
const PREFIX = "bench";

const tasksUrl = new URL("./fixtures/distributed-tasks.js", import.meta.url);
const t = tasks<typeof import("./fixtures/distributed-tasks.js")>(tasksUrl);
const cli = fileURLToPath(new URL("../../packages/redis/dist/src/cli.js", import.meta.url));
const rawWorker = fileURLToPath(new URL("./fixtures/bullmq-worker.js", import.meta.url));

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const fmt = (n: number, digits = 0): string => n.toLocaleString("en", { maximumFractionDigits: digits });

function startProcess(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("ready on")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}: ${out}`)));
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

const juggleWorker = (url: string, queue: string, extra: string[] = []): Promise<ChildProcess> =>
  startProcess([cli, "worker", "--redis", url, "--tasks", fileURLToPath(tasksUrl), "--queue", queue, "--prefix", PREFIX, "--quiet", ...extra]);

/** Raw BullMQ: add `n` jobs in bulk, gather every result through one QueueEvents listener. */
class RawSide {
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  #waiting = new Map<string, () => void>();
  #next = 0;
  private constructor(queue: Queue, events: QueueEvents) {
    this.#queue = queue;
    this.#events = events;
    events.on("completed", ({ jobId }) => {
      const done = this.#waiting.get(jobId);
      if (done !== undefined) {
        this.#waiting.delete(jobId);
        done();
      }
    });
  }
  static async open(url: string, name: string): Promise<RawSide> {
    const queue = new Queue(name, { connection: { url }, prefix: PREFIX });
    const client = new Redis(url);
    const last = (await client.xrevrange(`${PREFIX}:${name}:events`, "+", "-", "COUNT", 1))[0]?.[0] ?? "0-0";
    client.disconnect();
    const events = new QueueEvents(name, { connection: { url }, prefix: PREFIX, lastEventId: last });
    await events.waitUntilReady();
    return new RawSide(queue, events);
  }
  async run(n: number): Promise<void> {
    const all: Promise<void>[] = [];
    const jobs = [];
    for (let i = 0; i < n; i++) {
      const jobId = `raw-${++this.#next}`;
      all.push(new Promise<void>((resolve) => this.#waiting.set(jobId, resolve)));
      jobs.push({ name: "noop", data: {}, opts: { jobId, removeOnComplete: true, removeOnFail: true } });
    }
    for (let i = 0; i < jobs.length; i += 500) await this.#queue.addBulk(jobs.slice(i, i + 500));
    await Promise.all(all);
  }
  async close(): Promise<void> {
    await this.#events.close();
    await this.#queue.close();
  }
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const redis = await startRedisServer();
const children: ChildProcess[] = [];
try {
  console.log(`redis-server on ${redis.url}; ${quick ? "quick sizes" : "full sizes"}; ${ROUNDS} round(s)`);

  // ---- 1. overhead -----------------------------------------------------------------
  console.log(`\n1. ${fmt(N)} no-op tasks, one worker process (concurrency ${CONCURRENCY}) per side`);
  children.push(await startProcess([rawWorker, redis.url, "raw", PREFIX, CONCURRENCY]));
  children.push(await juggleWorker(redis.url, "overhead", ["--concurrency", CONCURRENCY]));
  const raw = await RawSide.open(redis.url, "raw");
  const pool = new RedisPool({ connection: redis.url, queue: "overhead", prefix: PREFIX });
  await pool.ready();
  const items = Array.from({ length: N }, () => undefined);
  const sides: Record<string, () => Promise<unknown>> = {
    "raw BullMQ": () => raw.run(N),
    "RedisPool.map chunksize 1": () => pool.map(t.noop, items, { chunksize: 1 }),
    "RedisPool.map default chunks": () => pool.map(t.noop, items),
  };
  // Warm-up: module loading, script loading, JIT.
  await raw.run(200);
  await pool.map(t.noop, items.slice(0, 200), { chunksize: 1 });
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const names = Object.keys(sides);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name]?.push(await time(sides[name] as () => Promise<unknown>));
  }
  const rawMs = median(samples["raw BullMQ"] ?? []);
  for (const name of names) {
    const ms = median(samples[name] ?? []);
    console.log(
      `  ${name.padEnd(30)} ${fmt(ms).padStart(7)} ms  ${fmt((N / ms) * 1000).padStart(9)} items/s  time ${fmt(ms / rawMs, 2)}x raw, speed ${fmt(rawMs / ms, 2)}x raw`,
    );
  }
  console.log("  targets: chunksize 1 within 1.2x raw time; default chunks ≥ 10x raw items/s");

  // ---- 3. latency (before the CPU section, with the same workers) --------------------
  console.log(`\n3. one round trip (submit, await, repeat; ${ROUND_TRIPS} times)`);
  const trips: Record<string, number[]> = { "raw BullMQ": [], "RedisPool.submit": [] };
  for (let i = 0; i < ROUND_TRIPS; i++) {
    if (i % 2 === 0) {
      trips["raw BullMQ"]?.push(await time(() => raw.run(1)));
      trips["RedisPool.submit"]?.push(await time(() => pool.submit(t.noop)));
    } else {
      trips["RedisPool.submit"]?.push(await time(() => pool.submit(t.noop)));
      trips["raw BullMQ"]?.push(await time(() => raw.run(1)));
    }
  }
  const rawTrip = median(trips["raw BullMQ"] ?? []);
  for (const [name, values] of Object.entries(trips)) {
    console.log(`  ${name.padEnd(30)} median ${fmt(median(values), 2)} ms  (${fmt(median(values) / rawTrip, 2)}x raw)`);
  }
  await raw.close();
  await pool.terminate();

  // ---- 4. per-key limits (the same worker) ---------------------------------------------
  console.log(`\n4. ${fmt(N)} no-op jobs, one per item, with and without keys (16 keys, concurrency 4 per key)`);
  const keyed = new RedisPool({ connection: redis.url, queue: "overhead", prefix: PREFIX, keys: { concurrency: 4 } });
  await keyed.ready();
  const keySides: Record<string, () => Promise<unknown>> = {
    "without keys": () => keyed.map(t.noop, items, { chunksize: 1 }),
    "with a key per item": () => keyed.map(t.noop, items, { key: (_item, i) => i % 16 }),
  };
  await keyed.map(t.noop, items.slice(0, 200), { key: (_item, i) => i % 16 }); // warm-up
  const keySamples: Record<string, number[]> = { "without keys": [], "with a key per item": [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(keySides) : Object.keys(keySides).reverse();
    for (const name of order) keySamples[name]?.push(await time(keySides[name] as () => Promise<unknown>));
  }
  const plainMs = median(keySamples["without keys"] ?? []);
  for (const [name, values] of Object.entries(keySamples)) {
    const ms = median(values);
    console.log(`  ${name.padEnd(30)} ${fmt(ms).padStart(7)} ms  ${fmt((N / ms) * 1000).padStart(9)} jobs/s  time ${fmt(ms / plainMs, 2)}x without keys`);
  }
  await keyed.terminate();
  for (const child of children.splice(0)) await stopProcess(child);

  // ---- 2. CPU-bound --------------------------------------------------------------------
  console.log(`\n2. CPU-bound: ${CPU_TASKS} tasks of ~${CPU_MS} ms over two worker processes`);
  children.push(await juggleWorker(redis.url, "cpu"), await juggleWorker(redis.url, "cpu"));
  const cpuPool = new RedisPool({ connection: redis.url, queue: "cpu", prefix: PREFIX });
  await cpuPool.ready();
  await cpuPool.map(t.spin, [1, 1, 1, 1], { chunksize: 1 });
  const cpuItems = Array.from({ length: CPU_TASKS }, () => CPU_MS);
  for (const chunksize of [1, undefined] as const) {
    const walls: number[] = [];
    for (let round = 0; round < ROUNDS; round++) walls.push(await time(() => cpuPool.map(t.spin, cpuItems, { chunksize })));
    const wall = median(walls);
    const efficiency = (CPU_TASKS * CPU_MS) / (2 * wall);
    console.log(
      `  chunksize ${String(chunksize ?? "default").padEnd(8)} wall ${fmt(wall)} ms (ideal ${fmt((CPU_TASKS * CPU_MS) / 2)} ms), parallel efficiency ${fmt(efficiency * 100, 1)}%  (target ≥ 90%)`,
    );
  }
  await cpuPool.terminate();
} finally {
  for (const child of children) await stopProcess(child);
  await redis.stop();
}
