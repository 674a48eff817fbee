/**
 * `ProcessQueue` against Python's `multiprocessing.Queue` on the lab's queue
 * experiment (High Performance Python, Example 9-5): the parent puts
 * COUNT consecutive numbers from 100,000,000 and one poison pill per worker
 * on a jobs queue; 2 worker processes take them, check each for primality
 * and put the primes on a results queue; the parent collects until every
 * worker has confirmed its pill. The clock starts once every worker has said
 * it is running (as the lab does). Sides alternate in one run; printed:
 * median µs per number (min–max) and the ratio.
 *
 * Python's side is `bench/process-queue.py` (stdlib only), run with the
 * python3 on PATH; its `is_prime` is the same trial division. Each side
 * checks the same numbers, and the run fails if their prime counts differ.
 *
 *     npx tsc -b && node dist/bench/process-queue.js [--quick] [--count=N] [--rounds=N] [--prefetch=N]
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Process, tasks } from "juggle-core";
import { ProcessQueue } from "juggle-core/shared-memory";
import { ALL_DONE, WORKER_FINISHED, WORKER_READY } from "./fixtures/queue-tasks.js";

const quick = process.argv.includes("--quick");
const flag = (name: string, fallback: number): number => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw === undefined ? fallback : Number(raw);
};
const START = 100_000_000;
const COUNT = flag("count", quick ? 5_000 : 100_000);
const ROUNDS = flag("rounds", quick ? 2 : 5);
const PREFETCH = process.argv.some((a) => a.startsWith("--prefetch=")) ? flag("prefetch", 16) : undefined;
const WORKERS = 2;
const t = tasks<typeof import("./fixtures/queue-tasks.js")>(new URL("./fixtures/queue-tasks.js", import.meta.url));
const script = fileURLToPath(new URL("../../bench/process-queue.py", import.meta.url));

interface Run {
  ms: number;
  primes: number;
}

/** One run of the experiment with juggle's ProcessQueue. */
async function juggle(): Promise<Run> {
  using jobs = new ProcessQueue<number>(PREFETCH === undefined ? {} : { prefetch: PREFETCH });
  using results = new ProcessQueue<number>();
  const procs = Array.from({ length: WORKERS }, () => new Process({ target: t.primeQueueWorker, args: [jobs, results] }));
  for (const p of procs) p.start();
  for (let ready = 0; ready < WORKERS; ) if ((await results.get()) === WORKER_READY) ready++;
  const t0 = performance.now();
  for (let n = START; n < START + COUNT; n++) await jobs.put(n);
  for (let i = 0; i < WORKERS; i++) await jobs.put(ALL_DONE);
  let primes = 0;
  for (let finished = 0; finished < WORKERS; ) {
    if ((await results.get()) === WORKER_FINISHED) finished++;
    else primes++;
  }
  const ms = performance.now() - t0;
  for (const p of procs) {
    await p.join();
    if (p.exitCode !== 0) throw p.error ?? new Error(`worker exited with ${p.exitCode}`);
  }
  return { ms, primes };
}

/** One run of `bench/process-queue.py`. */
async function python(): Promise<Run> {
  const out = execFileSync("python3", [script, String(START), String(COUNT), String(WORKERS)], { encoding: "utf8" });
  return JSON.parse(out) as Run;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const perNumber = (ms: number): string => ((ms * 1000) / COUNT).toFixed(1);

async function main(): Promise<void> {
  const sides: Record<string, () => Promise<Run>> = { "juggle ProcessQueue": juggle };
  if (spawnSync("python3", ["--version"]).status === 0) sides["Python multiprocessing.Queue"] = python;
  else console.log("python3 is not on PATH: juggle's side only");
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const primes = new Set<number>();
  for (const run of Object.values(sides)) primes.add((await run()).primes); // warm up
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(sides);
    if (round % 2) names.reverse();
    for (const name of names) {
      const run = await (sides[name] as () => Promise<Run>)();
      primes.add(run.primes);
      (samples[name] as number[]).push(run.ms);
    }
  }
  if (primes.size !== 1) throw new Error(`The sides found different prime counts: ${[...primes].join(", ")}`);
  console.log(
    `Queue experiment: ${COUNT.toLocaleString("en")} numbers from ${START.toLocaleString("en")}, ${WORKERS} worker processes, ` +
      `poison pills, ${ROUNDS} rounds${quick ? " (quick: not for conclusions)" : ""}; µs per number, median (min–max)`,
  );
  for (const [name, ms] of Object.entries(samples)) {
    console.log(`  ${name.padEnd(30)} ${perNumber(median(ms)).padStart(7)}  (${perNumber(Math.min(...ms))}–${perNumber(Math.max(...ms))})`);
  }
  const j = samples["juggle ProcessQueue"] as number[];
  const p = samples["Python multiprocessing.Queue"];
  if (p !== undefined) console.log(`  ratio Python / juggle: ${(median(p) / median(j)).toFixed(2)}x (above 1: juggle is faster)`);
}

await main();
