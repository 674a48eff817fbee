/**
 * Shared by `bench/pool.ts` (this file is not a benchmark of its own: the
 * runner skips names starting with "_"): the alternating runner, medians and
 * tables, and the sections on argument isolation and head-of-line blocking.
 *
 * @module
 */
import { ProcessPool, ThreadPool, tasks } from "juggle-core";
import { Piscina } from "piscina";

export const quick = process.argv.includes("--quick");
export const ROUNDS = quick ? 3 : 5;
const t = tasks<typeof import("./fixtures/pool-tasks.js")>(new URL("./fixtures/pool-tasks.js", import.meta.url));

// ---- helpers ---------------------------------------------------------------------

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
export const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
export const fmt = (n: number, digits = 0): string => n.toLocaleString("en", { maximumFractionDigits: digits });

/** Runs every side once per round (order alternating), returns each side's samples. */
export async function alternate(
  sides: Record<string, () => Promise<number>>,
  rounds = ROUNDS,
  /** Start each sample with a forced full GC (no side pays for another's garbage). */
  forceGc = true,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(sides);
    if (round % 2) names.reverse();
    for (const name of names) {
      if (forceGc) gc();
      (samples[name] as number[]).push(await (sides[name] as () => Promise<number>)());
    }
  }
  return samples;
}

export function table(title: string, rows: [string, string, string][]): void {
  console.log(`\n${title}`);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
}

// ---- 8. a small object argument --------------------------------------------------------------

/** Tiny tasks whose argument is a small object, each call its own copy: juggle vs piscina. */
export async function objectArguments(fixture: string): Promise<void> {
  const n = quick ? 20_000 : 100_000;
  const juggle = new ThreadPool({ workers: 2 });
  const piscina = new Piscina({ filename: fixture, minThreads: 2, maxThreads: 2 });
  const points = Array.from({ length: n }, (_, i) => ({ x: i, y: 2 * i, label: "point" }));
  const sides: Record<string, (p: (typeof points)[number]) => Promise<unknown>> = {
    "juggle ThreadPool": (p) => juggle.submit(t.sumPoint, p),
    piscina: (p) => piscina.run(p, { name: "sumPoint" }),
  };
  for (const run of Object.values(sides)) await Promise.all(points.slice(0, 5000).map(run));
  const samples = await alternate(
    Object.fromEntries(
      Object.entries(sides).map(([name, run]) => [
        name,
        async () => {
          const start = performance.now();
          await Promise.all(points.map(run));
          return n / ((performance.now() - start) / 1000);
        },
      ]),
    ),
  );
  await juggle.terminate();
  await piscina.destroy();
  const base = median(samples.piscina as number[]);
  table(
    `8. ${fmt(n)} tiny tasks with a small object argument, 2 workers (tasks/s, median of ${ROUNDS}; ratio vs piscina, target >= 3x)`,
    Object.keys(sides).map((k) => [k, fmt(median(samples[k] as number[])), `${(median(samples[k] as number[]) / base).toFixed(2)}x`]),
  );
}

// ---- 9. head of line -------------------------------------------------------------------------

/** When each task of `ms` ended, in ms since the first was submitted, after a warm-up that makes the pool pipeline. */
async function finishTimes(pool: ThreadPool | ProcessPool, ms: number[]): Promise<number[]> {
  const start = performance.now();
  return Promise.all(ms.map((m) => pool.submit(t.block, m).then(() => performance.now() - start)));
}

/**
 * Head-of-line blocking: no short task may wait behind a long one while a
 * worker is idle, in either pool (`block` holds its worker's main thread, so
 * a worker process cannot answer anything while it runs).
 */
export async function headOfLine(): Promise<void> {
  const long = quick ? 300 : 1500;
  const ms = [long, 10, 10, 10, 10, 10];
  const warm = Array.from({ length: 20_000 }, (_, i) => i);
  for (const [kind, pool] of [
    ["thread", new ThreadPool({ workers: 2 })],
    ["process", new ProcessPool({ workers: 2 })],
  ] as const) {
    await pool.map(t.square, warm, { chunksize: 1 });
    const ends = await finishTimes(pool, ms);
    const short = ends.slice(1);
    table(
      `9. head of line: after a warm-up map, tasks of [${ms.join(", ")}] ms on 2 ${kind} workers (ms from submit to end)`,
      [
        [`the ${long} ms task`, fmt(ends[0] as number, 1), ""],
        ["the last 10 ms task", fmt(Math.max(...short), 1), Math.max(...short) < (ends[0] as number) ? "before the long one: ok" : "AFTER the long one"],
      ],
    );
    await pool.map(t.square, warm, { chunksize: 1 });
    const order: string[] = [];
    const start = performance.now();
    for await (const m of pool.imapUnordered(t.block, [60, 10, 30], { chunksize: 1 })) {
      order.push(`${m} ms task at ${fmt(performance.now() - start, 1)} ms`);
    }
    table(`   ${kind} imapUnordered(block, [60, 10, 30], { chunksize: 1 }) yields, in order (target: 10, 30, 60)`, order.map((o, i) => [`${i + 1}.`, "", o]));
    await pool.terminate();
  }
}
