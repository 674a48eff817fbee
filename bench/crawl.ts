/**
 * The lab's crawl against its anchors, side by side in one run: 500
 * requests × 100 ms to the delay server (in a worker thread), at 100 and 500
 * in flight, each side with a fresh client (new connections every round):
 *
 * - juggle map + the lab's HttpClient (sockets capped at 8, the lab's
 *   default, pipelining beyond), and with one socket per request in flight
 *   (`--max-sockets 0`);
 * - undici Pool (connections = in flight, pipelining 1) + p-limit;
 * - global fetch + p-limit.
 *
 * Sides alternate; medians of the efficiency (ideal / measured) are printed
 * with ratios. Then each side once more in a fresh child process (a cold
 * start: nothing compiled, no connection open), median of a few processes.
 * The targets on a 2-core machine: ≥95% at 100, ≥85% at 500.
 *
 *     npx tsc -p tsconfig.json && node dist/bench/crawl.js [--quick]
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type CrawlRun, type CrawlSpec, crawlFetch, crawlMap, crawlUndici } from "../src/lab/crawl-variants.js";
import { idealMs } from "../src/lab/experiments/crawl.js";
import { startServerThread } from "../src/lab/server-thread.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 9;
const COLD = quick ? 2 : 5;
const REQUESTS = 500;
const DELAY = 100;

type Side = { name: string; run: (spec: CrawlSpec) => Promise<CrawlRun>; maxSockets: number };
const sides: Side[] = [
  { name: "juggle map + HttpClient (8 sockets)", run: crawlMap, maxSockets: 8 },
  { name: "juggle map + HttpClient (1 socket per request)", run: crawlMap, maxSockets: 0 },
  { name: "undici Pool + p-limit", run: crawlUndici, maxSockets: 0 },
  { name: "fetch + p-limit", run: crawlFetch, maxSockets: 0 },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  // With an even count, the mean of the two middle values (not the better one).
  return (s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2) as number;
};
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

// A child run: `node crawl.js --child <side> <concurrency>` prints one efficiency.
if (process.argv[2] === "--child") {
  const side = sides[Number(process.argv[3])] as Side;
  const concurrency = Number(process.argv[4]);
  const server = await startServerThread();
  const run = await side.run({ origin: server.url, name: "cold", requests: REQUESTS, delay: DELAY, concurrency, maxSockets: side.maxSockets });
  await server.close();
  process.stdout.write(`${idealMs(REQUESTS, concurrency, DELAY) / run.ms}\n`);
  process.exit(0);
}

const server = await startServerThread();
console.log(`crawl: ${REQUESTS} requests × ${DELAY} ms, server in a worker thread, ${ROUNDS} rounds, sides alternating`);
for (const concurrency of [100, 500]) {
  const effs = new Map<string, number[]>(sides.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const run = await side.run({ origin: server.url, name: "bench", requests: REQUESTS, delay: DELAY, concurrency, maxSockets: side.maxSockets });
      effs.get(side.name)?.push(idealMs(REQUESTS, concurrency, DELAY) / run.ms);
      await server.reset();
      // Let closed sockets drain before the next side.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const base = median(effs.get(sides[0]?.name as string) as number[]);
  console.log(`\n${concurrency} in flight (warm process, fresh connections each round): median efficiency`);
  for (const side of sides) {
    const m = median(effs.get(side.name) as number[]);
    console.log(`  ${side.name.padEnd(48)} ${pct(m).padStart(6)}   juggle/side ${(base / m).toFixed(2)}x`);
  }
}
await server.close();

const self = fileURLToPath(import.meta.url);
for (const concurrency of [100, 500]) {
  console.log(`\n${concurrency} in flight, cold start (a fresh process per run, median of ${COLD}):`);
  for (let i = 0; i < sides.length; i++) {
    const effs: number[] = [];
    for (let k = 0; k < COLD; k++) {
      effs.push(Number(execFileSync(process.execPath, [self, "--child", String(i), String(concurrency)], { encoding: "utf8" }).trim()));
    }
    console.log(`  ${(sides[i] as Side).name.padEnd(48)} ${pct(median(effs)).padStart(6)}`);
  }
}
