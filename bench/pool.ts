/**
 * The pools' benchmarks, juggle and its anchors side by side in one run
 * (sides alternate round by round, medians printed, ratios against the
 * anchor named in each section):
 *
 * 1. 100,000 tiny tasks submitted one by one, 2 workers: a bare
 *    worker_threads pool batching one tick's messages (the floor), juggle
 *    ThreadPool, piscina, tinypool. Then the peak RSS of each side, each in
 *    its own child process.
 * 2. Sequential round trips (submit, await, repeat): bare postMessage
 *    ping-pong, juggle ThreadPool, piscina.
 * 3. `map` of 100,000 tiny items with the default chunk size: juggle
 *    ThreadPool and ProcessPool vs Python's `multiprocessing.Pool(2).map`.
 * 4. Chunk size sweep vs `chunksize: "auto"` (tiny items and ~µs items).
 * 5. Time from constructing a pool to its first result.
 * 6. CPU-bound: 8 prime-count tasks of ~250 ms on 2 workers; parallel
 *    efficiency = serial / (2 × parallel), for ThreadPool, ProcessPool,
 *    piscina, and Python's ProcessPoolExecutor (its own serial baseline).
 * 7. ProcessPool tiny tasks vs tinypool's child_process mode and Python's
 *    ProcessPoolExecutor.
 * 8. Tiny tasks with a small object argument (each call its own copy):
 *    juggle ThreadPool vs piscina (target >= 3x).
 * 9. Head of line: after a warm-up map, tasks of [1500, 10, 10, 10, 10, 10] ms
 *    on 2 thread workers, then on 2 worker processes (each short one must end
 *    before the long one), and the order `imapUnordered` yields tasks of
 *    [60, 10, 30] ms.
 *
 *     npx tsc -p tsconfig.json && node --expose-gc dist/bench/pool.js [--quick] [--only=1,3]
 *
 * Python runs through `python3 -c` (skipped when python3 is missing).
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { InlineExecutor, ProcessPool, ThreadPool, tasks } from "juggle-core";
import { Piscina } from "piscina";
import { Tinypool } from "tinypool";
import { alternate, fmt, headOfLine, median, objectArguments, quick, ROUNDS, table } from "./_pool-sections.js";

const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const TINY = quick ? 20_000 : 100_000;
const WORKERS = 2;
const fixtureUrl = new URL("./fixtures/pool-tasks.js", import.meta.url);
const fixture = fixtureUrl.href;
const t = tasks<typeof import("./fixtures/pool-tasks.js")>(fixtureUrl);

function python(code: string, args: string[]): string | undefined {
  try {
    return execFileSync("python3", ["-c", code, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  } catch {
    return undefined;
  }
}
const hasPython = spawnSync("python3", ["--version"]).status === 0;

// ---- a bare worker_threads pool: the floor -----------------------------------------

const bareWorkerSource = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", (m) => {
  if (typeof m === "number") { parentPort.postMessage(m * m); return; }
  const out = new Array(m.length);
  for (let i = 0; i < m.length; i += 2) { out[i] = m[i]; out[i + 1] = m[i + 1] * m[i + 1]; }
  parentPort.postMessage(out);
});`;

/** 40 lines: tasks of one tick go to the workers in one message each; results come back batched. */
class BarePool {
  readonly workers: Worker[];
  readonly #resolvers: ((v: number) => void)[] = [];
  #pending: number[] = [];
  #scheduled = false;
  #next = 0;
  constructor(n: number) {
    this.workers = Array.from({ length: n }, () => new Worker(bareWorkerSource, { eval: true }));
    for (const w of this.workers) {
      w.on("message", (r: number[]) => {
        for (let i = 0; i < r.length; i += 2) {
          const id = r[i] as number;
          (this.#resolvers[id] as (v: number) => void)(r[i + 1] as number);
          this.#resolvers[id] = undefined as never;
        }
      });
    }
  }
  run(x: number): Promise<number> {
    return new Promise((resolve) => {
      const id = this.#next++;
      this.#resolvers[id] = resolve;
      this.#pending.push(id, x);
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => this.#flush());
      }
    });
  }
  #flush(): void {
    this.#scheduled = false;
    const all = this.#pending;
    this.#pending = [];
    const per = Math.ceil(all.length / 2 / this.workers.length) * 2;
    for (let k = 0; k < this.workers.length; k++) {
      const part = all.slice(k * per, (k + 1) * per);
      if (part.length > 0) (this.workers[k] as Worker).postMessage(part);
    }
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// ---- 1. tiny tasks ---------------------------------------------------------------------

type Runner = { run(x: number): Promise<unknown>; close(): Promise<void> };

function makeRunner(name: string): Runner {
  switch (name) {
    case "bare worker_threads (floor)":
      return new BarePool(WORKERS);
    case "juggle ThreadPool": {
      const pool = new ThreadPool({ workers: WORKERS });
      return { run: (x) => pool.submit(t.square, x), close: () => pool.terminate() };
    }
    case "piscina": {
      const pool = new Piscina({ filename: fixture, minThreads: WORKERS, maxThreads: WORKERS });
      return { run: (x) => pool.run(x, { name: "square" }), close: () => pool.destroy() };
    }
    case "tinypool": {
      const pool = new Tinypool({ filename: fixture, minThreads: WORKERS, maxThreads: WORKERS });
      return { run: (x) => pool.run(x, { name: "square" }), close: () => pool.destroy() };
    }
    default:
      throw new Error(`unknown side ${name}`);
  }
}

const tinySides = ["bare worker_threads (floor)", "juggle ThreadPool", "piscina", "tinypool"];

async function tinyTasks(): Promise<void> {
  const runners = Object.fromEntries(tinySides.map((n) => [n, makeRunner(n)]));
  const items = Array.from({ length: TINY }, (_, i) => i);
  for (const r of Object.values(runners)) await Promise.all(items.slice(0, 5000).map((x) => r.run(x)));
  const samples = await alternate(
    Object.fromEntries(
      tinySides.map((name) => [
        name,
        async () => {
          const r = runners[name] as Runner;
          const start = performance.now();
          await Promise.all(items.map((x) => r.run(x)));
          return TINY / ((performance.now() - start) / 1000);
        },
      ]),
    ),
  );
  for (const r of Object.values(runners)) await r.close();
  const piscina = median(samples.piscina as number[]);
  table(
    `1. ${fmt(TINY)} tiny tasks submitted one by one, ${WORKERS} workers (tasks/s, median of ${ROUNDS}; ratio vs piscina, target >= 10x)`,
    tinySides.map((n) => [n, fmt(median(samples[n] as number[])), `${(median(samples[n] as number[]) / piscina).toFixed(2)}x`]),
  );
  const rss: [string, string, string][] = [];
  for (const name of tinySides) {
    const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--rss-side=${name}`, quick ? "--quick" : ""], {
      encoding: "utf8",
    });
    const mb = Number(out.stdout.trim().split("\n").at(-1));
    rss.push([name, Number.isFinite(mb) ? `${fmt(mb, 1)} MB` : "failed", ""]);
  }
  table("   peak RSS of one run, each side in its own process (target: juggle under piscina)", rss);
}

async function rssSide(name: string): Promise<void> {
  const r = makeRunner(name);
  await Promise.all(Array.from({ length: TINY }, (_, i) => r.run(i)));
  await r.close();
  console.log(process.resourceUsage().maxRSS / 1024);
}

// ---- 2. sequential round trips ------------------------------------------------------------

async function roundTrips(): Promise<void> {
  const n = quick ? 2000 : 10_000;
  const bare = new Worker(bareWorkerSource, { eval: true });
  const ping = (x: number): Promise<number> =>
    new Promise((resolve) => {
      bare.once("message", resolve);
      bare.postMessage(x);
    });
  const juggle = new ThreadPool({ workers: 1 });
  const piscina = new Piscina({ filename: fixture, minThreads: 1, maxThreads: 1 });
  const sides: Record<string, (x: number) => Promise<unknown>> = {
    "bare postMessage ping-pong (floor)": ping,
    "juggle ThreadPool": (x) => juggle.submit(t.square, x),
    piscina: (x) => piscina.run(x, { name: "square" }),
  };
  for (const run of Object.values(sides)) for (let i = 0; i < 500; i++) await run(i);
  const sample = (run: (x: number) => Promise<unknown>) => async (): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await run(i);
    return ((performance.now() - start) / n) * 1000;
  };
  const measure = (forceGc: boolean) =>
    alternate(Object.fromEntries(Object.entries(sides).map(([name, run]) => [name, sample(run)])), undefined, forceGc);
  const withGc = await measure(true);
  const steady = await measure(false);
  await bare.terminate();
  await juggle.terminate();
  await piscina.destroy();
  for (const [title, samples] of [
    ["each round after a forced full GC", withGc],
    ["rounds back to back, no forced GC", steady],
  ] as const) {
    const floor = median(samples["bare postMessage ping-pong (floor)"] as number[]);
    table(
      `2. sequential round trips, ${fmt(n)} per round, ${title} (µs each, median; ratio vs bare ping-pong, target <= 1.2x)`,
      Object.keys(sides).map((k) => [k, fmt(median(samples[k] as number[]), 1), `${(median(samples[k] as number[]) / floor).toFixed(2)}x`]),
    );
  }
}

// ---- 3. map vs Python -------------------------------------------------------------------------

const pyMap = `
import multiprocessing as mp, sys, time
def sq(x): return x * x
if __name__ == "__main__":
    n = int(sys.argv[1]); chunk = int(sys.argv[2])
    with mp.Pool(2) as p:
        p.map(sq, range(10000))
        t = time.perf_counter()
        p.map(sq, range(n), chunk) if chunk > 0 else p.map(sq, range(n))
        print(n / (time.perf_counter() - t))
`;

async function mapVsPython(): Promise<void> {
  const items = Array.from({ length: TINY }, (_, i) => i);
  const threads = new ThreadPool({ workers: WORKERS });
  const processes = new ProcessPool({ workers: WORKERS });
  await threads.map(t.square, items);
  await processes.map(t.square, items);
  const sides: Record<string, () => Promise<number>> = {
    "juggle ThreadPool.map": async () => {
      const start = performance.now();
      await threads.map(t.square, items);
      return TINY / ((performance.now() - start) / 1000);
    },
    "juggle ProcessPool.map": async () => {
      const start = performance.now();
      await processes.map(t.square, items);
      return TINY / ((performance.now() - start) / 1000);
    },
  };
  if (hasPython) sides["python multiprocessing.Pool(2).map"] = async () => Number(python(pyMap, [String(TINY), "0"]));
  const samples = await alternate(sides);
  await threads.terminate();
  await processes.terminate();
  const py = hasPython ? median(samples["python multiprocessing.Pool(2).map"] as number[]) : Number.NaN;
  table(
    `3. map of ${fmt(TINY)} tiny items, default chunk size (items/s, median; ratio vs Python, target >= 1.5x)`,
    Object.keys(sides).map((k) => [k, fmt(median(samples[k] as number[])), hasPython ? `${(median(samples[k] as number[]) / py).toFixed(2)}x` : ""]),
  );
}

// ---- 4. chunk size sweep vs auto -----------------------------------------------------------------

async function chunkSweep(): Promise<void> {
  const pool = new ThreadPool({ workers: WORKERS });
  const cases: [string, typeof t.square | typeof t.isPrime, number[]][] = [
    ["tiny items (x * x)", t.square, Array.from({ length: TINY }, (_, i) => i)],
    ["~µs items (isPrime of 9-digit numbers)", t.isPrime, Array.from({ length: TINY / 4 }, (_, i) => 100_000_001 + 2 * i)],
  ];
  for (const [title, task, items] of cases) {
    const sizes: (number | "auto")[] = [1, 10, 100, 1000, 5000, Math.ceil(items.length / 8), Math.ceil(items.length / 2), "auto"];
    await pool.map(task as typeof t.square, items, { chunksize: "auto" });
    const samples = await alternate(
      Object.fromEntries(
        sizes.map((size) => [
          String(size),
          async () => {
            const start = performance.now();
            await pool.map(task as typeof t.square, items, { chunksize: size });
            return items.length / ((performance.now() - start) / 1000);
          },
        ]),
      ),
    );
    const fixed = sizes.filter((s) => s !== "auto").map((s) => [String(s), median(samples[String(s)] as number[])] as const);
    const best = fixed.reduce((a, b) => (b[1] > a[1] ? b : a));
    const auto = median(samples.auto as number[]);
    table(
      `4. chunk size sweep, ${title}, ${fmt(items.length)} items (items/s, median; auto target >= 0.8x of best fixed = ${best[0]})`,
      sizes.map((s) => [`chunksize ${s}`, fmt(median(samples[String(s)] as number[])), `${(median(samples[String(s)] as number[]) / best[1]).toFixed(2)}x`]),
    );
    void auto;
  }
  await pool.terminate();
}

// ---- 5. construct to first result ------------------------------------------------------------------

async function firstResult(): Promise<void> {
  const sides: Record<string, () => Promise<number>> = {
    "juggle ThreadPool": async () => {
      const start = performance.now();
      const pool = new ThreadPool({ workers: WORKERS });
      await pool.submit(t.square, 2);
      const ms = performance.now() - start;
      await pool.terminate();
      return ms;
    },
    "juggle ProcessPool": async () => {
      const start = performance.now();
      const pool = new ProcessPool({ workers: WORKERS });
      await pool.submit(t.square, 2);
      const ms = performance.now() - start;
      await pool.terminate();
      return ms;
    },
    piscina: async () => {
      const start = performance.now();
      const pool = new Piscina({ filename: fixture, minThreads: WORKERS, maxThreads: WORKERS });
      await pool.run(2, { name: "square" });
      const ms = performance.now() - start;
      await pool.destroy();
      return ms;
    },
    tinypool: async () => {
      const start = performance.now();
      const pool = new Tinypool({ filename: fixture, minThreads: WORKERS, maxThreads: WORKERS });
      await pool.run(2, { name: "square" });
      const ms = performance.now() - start;
      await pool.destroy();
      return ms;
    },
  };
  const samples = await alternate(sides, quick ? 3 : 9);
  const piscina = median(samples.piscina as number[]);
  table(
    "5. construct a pool to its first result (ms, median; ratio vs piscina)",
    Object.keys(sides).map((k) => [k, fmt(median(samples[k] as number[]), 1), `${(median(samples[k] as number[]) / piscina).toFixed(2)}x`]),
  );
}

// ---- 6. CPU-bound parallel efficiency ------------------------------------------------------------------

const pyCpu = `
import sys, time
from concurrent.futures import ProcessPoolExecutor
def count(limit):
    c = 0
    for n in range(2, limit):
        d = 2; p = True
        while d * d <= n:
            if n % d == 0: p = False; break
            d += 1
        if p: c += 1
    return c
if __name__ == "__main__":
    tasks = int(sys.argv[1]); target = float(sys.argv[2])
    limit = 20000
    while True:
        t = time.perf_counter(); count(limit); ms = (time.perf_counter() - t) * 1000
        if ms > target / 4: break
        limit *= 2
    limit = int(limit * target / ms)
    t = time.perf_counter()
    for _ in range(tasks): count(limit)
    serial = time.perf_counter() - t
    with ProcessPoolExecutor(2) as ex:
        list(ex.map(count, [1000, 1000]))
        t = time.perf_counter(); list(ex.map(count, [limit] * tasks)); par = time.perf_counter() - t
    print(serial, par)
`;

async function cpuBound(): Promise<void> {
  const tasksN = quick ? 4 : 8;
  const targetMs = quick ? 100 : 250;
  // Calibrate a limit whose prime count takes about targetMs here.
  const inline = new InlineExecutor();
  let limit = 20_000;
  let ms = 0;
  for (;;) {
    const start = performance.now();
    await inline.submit(t.countPrimes, limit);
    ms = performance.now() - start;
    if (ms > targetMs / 4) break;
    limit *= 2;
  }
  limit = Math.round((limit * targetMs) / ms);
  const work = Array.from({ length: tasksN }, () => limit);
  const threads = new ThreadPool({ workers: WORKERS });
  const processes = new ProcessPool({ workers: WORKERS });
  const piscina = new Piscina({ filename: fixture, minThreads: WORKERS, maxThreads: WORKERS });
  await threads.map(t.countPrimes, [1000, 1000], { chunksize: 1 });
  await processes.map(t.countPrimes, [1000, 1000], { chunksize: 1 });
  await Promise.all([piscina.run(1000, { name: "countPrimes" }), piscina.run(1000, { name: "countPrimes" })]);
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  const samples = await alternate(
    {
      "serial (event loop)": () => time(() => inline.map(t.countPrimes, work, { chunksize: 1 })),
      "juggle ThreadPool": () => time(() => threads.map(t.countPrimes, work, { chunksize: 1 })),
      "juggle ProcessPool": () => time(() => processes.map(t.countPrimes, work, { chunksize: 1 })),
      piscina: () => time(() => Promise.all(work.map((x) => piscina.run(x, { name: "countPrimes" })))),
    },
    quick ? 2 : 3,
  );
  await threads.terminate();
  await processes.terminate();
  await piscina.destroy();
  inline.close();
  const serial = median(samples["serial (event loop)"] as number[]);
  const rows: [string, string, string][] = Object.keys(samples).map((k) => {
    const m = median(samples[k] as number[]);
    return [k, `${fmt(m)} ms`, k.startsWith("serial") ? "" : `efficiency ${((100 * serial) / (WORKERS * m)).toFixed(1)}%`];
  });
  if (hasPython) {
    const out = python(pyCpu, [String(tasksN), String(targetMs)])?.trim().split(/\s+/).map(Number);
    if (out && out.length === 2) {
      const [s, p] = out as [number, number];
      rows.push(["python ProcessPoolExecutor(2)", `${fmt(p * 1000)} ms`, `efficiency ${((100 * s) / (WORKERS * p)).toFixed(1)}% (vs its own serial ${fmt(s * 1000)} ms)`]);
    }
  }
  table(
    `6. CPU-bound: ${tasksN} prime counts of ~${targetMs} ms on ${WORKERS} workers (target ThreadPool >= 95%)`,
    rows,
  );
}

// ---- 7. ProcessPool tiny tasks ------------------------------------------------------------------------

const pyTiny = `
import sys, time
from concurrent.futures import ProcessPoolExecutor, wait
def sq(x): return x * x
if __name__ == "__main__":
    n = int(sys.argv[1])
    with ProcessPoolExecutor(2) as ex:
        list(ex.map(sq, range(100)))
        t = time.perf_counter(); fs = [ex.submit(sq, i) for i in range(n)]; wait(fs)
        print(n / (time.perf_counter() - t))
`;

async function processTiny(): Promise<void> {
  const n = quick ? 2000 : 10_000;
  const juggle = new ProcessPool({ workers: WORKERS });
  const tiny = new Tinypool({ filename: fixture, minThreads: WORKERS, maxThreads: WORKERS, runtime: "child_process" });
  const items = Array.from({ length: n }, (_, i) => i);
  await Promise.all(items.slice(0, 200).map((x) => juggle.submit(t.square, x)));
  await Promise.all(items.slice(0, 200).map((x) => tiny.run(x, { name: "square" })));
  const sides: Record<string, () => Promise<number>> = {
    "juggle ProcessPool": async () => {
      const start = performance.now();
      await Promise.all(items.map((x) => juggle.submit(t.square, x)));
      return n / ((performance.now() - start) / 1000);
    },
    "tinypool child_process": async () => {
      const start = performance.now();
      await Promise.all(items.map((x) => tiny.run(x, { name: "square" })));
      return n / ((performance.now() - start) / 1000);
    },
  };
  if (hasPython) sides["python ProcessPoolExecutor(2)"] = async () => Number(python(pyTiny, [String(n)]));
  const samples = await alternate(sides);
  await juggle.terminate();
  await tiny.destroy();
  const base = hasPython ? median(samples["python ProcessPoolExecutor(2)"] as number[]) : Number.NaN;
  table(
    `7. ${fmt(n)} tiny tasks submitted one by one to 2 worker processes (tasks/s, median; ratio vs Python)`,
    Object.keys(sides).map((k) => [k, fmt(median(samples[k] as number[])), hasPython ? `${(median(samples[k] as number[]) / base).toFixed(2)}x` : ""]),
  );
}

// ---- main ------------------------------------------------------------------------------------------------

const rssArg = process.argv.find((a) => a.startsWith("--rss-side="));
if (rssArg !== undefined) {
  await rssSide(rssArg.slice("--rss-side=".length));
} else {
  console.log(`pool benchmarks${quick ? " (--quick)" : ""}: ${WORKERS} workers, node ${process.version}${hasPython ? "" : ", python3 not found"}`);
  const sections: [string, () => Promise<void>][] = [
    ["1", tinyTasks],
    ["2", roundTrips],
    ["3", mapVsPython],
    ["4", chunkSweep],
    ["5", firstResult],
    ["6", cpuBound],
    ["7", processTiny],
    ["8", () => objectArguments(fixture)],
    ["9", headOfLine],
  ];
  for (const [id, section] of sections) if (only === undefined || only.includes(id)) await section();
}
