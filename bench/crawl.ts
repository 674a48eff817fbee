/**
 * The crawl's concurrency models side by side in one run, on public API
 * only: 500 requests × 100 ms to the delay server (`juggle-lab/delay-server`,
 * in a worker thread that warms its own request path before it reports
 * ready), at 100 and 500 in flight, every side with the lab's own client
 * (`juggle-lab/crawl-client`: a fresh undici `Pool` per run, one connection
 * per request in flight, requests through `dispatch`), so the sides differ
 * only by how requests are kept in flight:
 *
 * - juggle-core's `map` (unordered, `concurrency`);
 * - juggle-core's `Semaphore` around one promise per request;
 * - p-limit, the usual Node.js limiter (the anchor).
 *
 * Sides alternate; medians of the efficiency (ideal / measured) are printed.
 * Then each side once more in a fresh child process (a cold start: nothing
 * compiled on the client, no connection open, not even the one unmeasured
 * request the lab sends first), median of a few processes. Targets on a
 * 2-core machine: map and Semaphore ≥ 95% at 100 in flight cold, and within
 * 2 points of p-limit at 500.
 *
 *     npx tsc -b && node dist/bench/crawl.js [--quick]
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { map, Semaphore } from "juggle-core";
import { startServerThread } from "juggle-lab/delay-server";
import { CrawlClient } from "juggle-lab/crawl-client";
import pLimit from "p-limit";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 1 : 9;
const COLD = quick ? 1 : 5;
const REQUESTS = quick ? 50 : 500;
const DELAY = quick ? 20 : 100;
const LEVELS = quick ? [10, 50] : [100, 500];

type Crawl = (get: (i: number) => Promise<void>, concurrency: number) => Promise<void>;
const indices = (): number[] => Array.from({ length: REQUESTS }, (_, i) => i);
const sides: { name: string; crawl: Crawl }[] = [
  {
    name: "juggle map",
    crawl: async (get, concurrency) => {
      await map(indices(), get, { concurrency, ordered: false }).toArray();
    },
  },
  {
    name: "juggle Semaphore",
    crawl: async (get, concurrency) => {
      const semaphore = new Semaphore(concurrency);
      await Promise.all(indices().map((i) => semaphore.withPermit(() => get(i))));
    },
  },
  {
    name: "p-limit (anchor)",
    crawl: async (get, concurrency) => {
      const limit = pLimit(concurrency);
      await Promise.all(indices().map((i) => limit(() => get(i))));
    },
  },
];

/** One crawl with a fresh client; returns its efficiency (ideal / measured). */
async function efficiency(origin: string, crawl: Crawl, concurrency: number): Promise<number> {
  const client = new CrawlClient(origin, { connections: concurrency });
  const get = async (i: number): Promise<void> => {
    const res = await client.get(`/add?name=bench-${i}&delay=${DELAY}`);
    if (res.status !== 200) throw new Error(`Cannot crawl as request ${i} got status ${res.status}`);
  };
  const t0 = performance.now();
  await crawl(get, concurrency);
  const ms = performance.now() - t0;
  await client.close();
  return (Math.ceil(REQUESTS / concurrency) * DELAY) / ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return (s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2) as number;
};
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

// A child run: `node crawl.js --child <side> <concurrency>` prints one efficiency.
if (process.argv[2] === "--child") {
  const side = sides[Number(process.argv[3])] as (typeof sides)[number];
  await using server = await startServerThread();
  process.stdout.write(`${await efficiency(server.url, side.crawl, Number(process.argv[4]))}\n`);
} else {
  {
    await using server = await startServerThread();
    console.log(`crawl: ${REQUESTS} requests × ${DELAY} ms, the lab's CrawlClient per run (an undici Pool, a connection per request in flight), ${ROUNDS} rounds, sides alternating`);
    for (const concurrency of LEVELS) {
      const effs = new Map<string, number[]>(sides.map((s) => [s.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
          effs.get(side.name)?.push(await efficiency(server.url, side.crawl, concurrency));
          await server.reset();
        }
      }
      console.log(`\n${concurrency} in flight (warm process, fresh connections each round): median efficiency`);
      for (const side of sides) console.log(`  ${side.name.padEnd(24)} ${pct(median(effs.get(side.name) as number[])).padStart(6)}`);
    }
  }
  const self = fileURLToPath(import.meta.url);
  for (const concurrency of LEVELS) {
    console.log(`\n${concurrency} in flight, cold start (a fresh process per run, median of ${COLD}):`);
    for (let i = 0; i < sides.length; i++) {
      const effs: number[] = [];
      for (let k = 0; k < COLD; k++) {
        effs.push(Number(execFileSync(process.execPath, [self, "--child", String(i), String(concurrency)], { encoding: "utf8" }).trim()));
      }
      console.log(`  ${(sides[i] as (typeof sides)[number]).name.padEnd(24)} ${pct(median(effs)).padStart(6)}`);
    }
  }
}
