/**
 * The async layer's benchmarks, juggle and its anchors side by side in one
 * run (sides alternate, medians of N rounds, ratios printed):
 *
 * 1. 200,000 no-op async tasks with 100 in flight: `map` (collecting and
 *    iterating), a `Semaphore` limiter, p-limit, p-map, p-queue, and the
 *    floor: a bare loop of 100 async workers pulling from one iterator.
 * 1b. The same for the floor, `map` and p-map, each run after a forced full
 *    GC (a live process's full collections fall between runs too).
 * 2. Peak memory of each side of (1), each in its own child process.
 * 3. `map` over an endless async iterable for a bounded time: heap stays flat.
 * 4. `Batcher`: 1,000 items, a 50 ms handler, batches of 100, 10 in flight.
 * 5. `AdaptiveLimiter` against a loopback HTTP server whose latency climbs
 *    above K requests in flight: the limit it settles on.
 *
 *     npx tsc -p tsconfig.json && node --expose-gc dist/bench/async.js [--quick]
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { AdaptiveLimiter, Batcher, map, Semaphore, sleep } from "juggle-core";
import pLimit from "p-limit";
import pMap from "p-map";
import PQueue from "p-queue";

const quick = process.argv.includes("--quick");
const TASKS = quick ? 50_000 : 200_000;
const ROUNDS = quick ? 3 : 9;
const IN_FLIGHT = 100;

const noop = async (_item: number): Promise<void> => {};

/** Each side runs TASKS no-op tasks with IN_FLIGHT in flight and resolves when all are done. */
const sides: Record<string, (items: number[]) => Promise<unknown>> = {
  "bare loop (floor)": async (items) => {
    const iterator = items[Symbol.iterator]();
    const worker = async () => {
      for (let step = iterator.next(); !step.done; step = iterator.next()) await noop(step.value);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  },
  "juggle map().toArray()": (items) => map(items, noop, { concurrency: IN_FLIGHT }).toArray(),
  "juggle map() for await": async (items) => {
    let n = 0;
    for await (const _ of map(items, noop, { concurrency: IN_FLIGHT })) n++;
    return n;
  },
  "juggle Semaphore": (items) => {
    const semaphore = new Semaphore(IN_FLIGHT);
    return Promise.all(items.map((item) => semaphore.withPermit(() => noop(item))));
  },
  "p-map": (items) => pMap(items, noop, { concurrency: IN_FLIGHT }),
  "p-limit": (items) => {
    const limit = pLimit(IN_FLIGHT);
    return Promise.all(items.map((item) => limit(noop, item)));
  },
  "p-queue": (items) => {
    const queue = new PQueue({ concurrency: IN_FLIGHT });
    return Promise.all(items.map((item) => queue.add(() => noop(item))));
  },
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function throughput(): Promise<void> {
  console.log(`\n1. ${TASKS.toLocaleString("en")} no-op async tasks, ${IN_FLIGHT} in flight (median of ${ROUNDS} rounds, sides alternate)`);
  const items = Array.from({ length: TASKS }, (_, i) => i);
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  // No forced GC between sides here: a full GC drops optimized code that
  // depends on a class none of whose instances is alive, so a side would pay
  // part of its JIT warm-up again in each timed run. A live process pays that
  // too when its full collections fall between runs: section 1b measures it.
  // Alternating the order spreads the garbage each side leaves to the next.
  const warm = items.slice(0, 20_000);
  for (const run of Object.values(sides)) await run(warm);
  for (const run of Object.values(sides)) await run(warm);
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(sides);
    if (round % 2) names.reverse();
    for (const name of names) {
      const start = performance.now();
      const startCpu = process.cpuUsage();
      await sides[name](items);
      times[name].push(performance.now() - start);
      const used = process.cpuUsage(startCpu);
      cpu[name].push((used.user + used.system) / 1000);
    }
  }
  const floor = median(times["bare loop (floor)"]);
  const pmap = median(times["p-map"]);
  const cpuFloor = median(cpu["bare loop (floor)"]);
  // CPU time is printed beside wall time: on a busy machine it is the steadier of the two.
  console.log("side                         µs/task   vs floor   vs p-map   CPU µs/task   CPU vs floor");
  for (const [name, values] of Object.entries(times)) {
    const ms = median(values);
    const cpuMs = median(cpu[name]);
    const perTask = ((ms * 1000) / TASKS).toFixed(3).padStart(8);
    const cpuPerTask = ((cpuMs * 1000) / TASKS).toFixed(3).padStart(11);
    console.log(
      `${name.padEnd(28)} ${perTask}   ${(ms / floor).toFixed(2).padStart(6)}x   ${(ms / pmap).toFixed(2).padStart(6)}x` +
        `   ${cpuPerTask}   ${(cpuMs / cpuFloor).toFixed(2).padStart(11)}x`,
    );
  }
}

async function afterGc(): Promise<void> {
  const names = ["bare loop (floor)", "juggle map().toArray()", "juggle map() for await", "p-map"];
  console.log(`\n1b. the same, each run after a forced full GC (median of ${ROUNDS} rounds, sides alternate)`);
  const items = Array.from({ length: TASKS }, (_, i) => i);
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...names].reverse() : names;
    for (const name of order) {
      gc();
      const start = performance.now();
      await sides[name](items);
      times[name].push(performance.now() - start);
    }
  }
  const floor = median(times["bare loop (floor)"]);
  const pmap = median(times["p-map"]);
  console.log("side                         µs/task   vs floor   vs p-map");
  for (const name of names) {
    const ms = median(times[name]);
    console.log(
      `${name.padEnd(28)} ${((ms * 1000) / TASKS).toFixed(3).padStart(8)}   ${(ms / floor).toFixed(2).padStart(6)}x   ${(ms / pmap).toFixed(2).padStart(6)}x`,
    );
  }
}

/** Child mode: run one side once and print its peak memory. */
async function child(name: string): Promise<void> {
  const items = Array.from({ length: TASKS }, (_, i) => i);
  gc();
  const before = process.memoryUsage().heapUsed;
  let peakHeap = before;
  const timer = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 1);
  const running = sides[name](items);
  // The no-op tasks queue their promises synchronously: sample at once, too.
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  await running;
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  clearInterval(timer);
  console.log(JSON.stringify({ heap: peakHeap - before, rss: process.resourceUsage().maxRSS * 1024 }));
}

function memory(): void {
  console.log(`\n2. Peak memory of one run of (1), each side in its own process`);
  console.log("side                         peak heap growth   max RSS");
  const self = fileURLToPath(import.meta.url);
  for (const name of Object.keys(sides)) {
    const out = execFileSync(process.execPath, ["--expose-gc", self, "--child", name, ...(quick ? ["--quick"] : [])], {
      encoding: "utf8",
    });
    const { heap, rss } = JSON.parse(out.trim().split("\n").pop() as string);
    console.log(`${name.padEnd(28)} ${mb(heap).padStart(16)}   ${mb(rss).padStart(8)}`);
  }
}

async function endless(): Promise<void> {
  const seconds = quick ? 1 : 5;
  console.log(`\n3. map() over an endless async iterable for ${seconds} s (100 in flight, consumer takes everything)`);
  async function* naturals() {
    for (let i = 0; ; i++) yield i;
  }
  const samples: number[] = [];
  let taken = 0;
  const end = performance.now() + seconds * 1000;
  let nextSample = performance.now();
  for await (const _ of map(naturals(), async (n) => n, { concurrency: IN_FLIGHT })) {
    taken++;
    if (performance.now() >= nextSample) {
      gc();
      samples.push(process.memoryUsage().heapUsed);
      nextSample += (seconds * 1000) / 10;
      if (performance.now() >= end) break;
    }
  }
  const first = samples[1] ?? samples[0];
  const last = samples[samples.length - 1];
  console.log(`items: ${taken.toLocaleString("en")}; heap after gc: ${samples.map(mb).join(", ")}`);
  console.log(`growth from the 2nd sample to the last: ${mb(last - first)} (flat means ~0, whatever the item count)`);
}

async function batcher(): Promise<void> {
  console.log(`\n4. Batcher: 1,000 items, handler with 50 ms latency, batches of 100`);
  for (const concurrency of [10, 1]) {
    const times: number[] = [];
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      const start = performance.now();
      const b = new Batcher<number, number>({
        handler: async (items) => {
          await sleep(50);
          return items;
        },
        size: 100,
        delay: 10,
        concurrency,
      });
      await Promise.all(Array.from({ length: 1000 }, (_, i) => b.add(i)));
      await b.close();
      times.push(performance.now() - start);
    }
    const bound = Math.ceil(10 / concurrency) * 50;
    const ms = median(times);
    console.log(`${concurrency} in flight: ${ms.toFixed(0)} ms (bound ${bound} ms: ${(ms / bound).toFixed(2)}x)`);
  }
}

async function adaptive(): Promise<void> {
  const K = 20;
  const BASE = 50;
  const REQUESTS = quick ? 1500 : 5000;
  console.log(`\n5. AdaptiveLimiter vs a loopback HTTP server: ${BASE} ms up to K = ${K} in flight, slower beyond; ${REQUESTS} requests, 200 callers`);
  let active = 0;
  const server = createServer((_req, res) => {
    active++;
    const latency = active <= K ? BASE : (BASE * active) / K;
    setTimeout(() => {
      active--;
      res.end("ok");
    }, latency);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
      req.end();
    });
  const limiter = new AdaptiveLimiter({ min: 1, max: 200 });
  const history: number[] = [];
  let left = REQUESTS;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (left-- > 0) {
        await limiter.run(get);
        history.push(limiter.limit);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const tail = history.slice(-Math.floor(history.length / 4));
  console.log(
    `settled limit (median of the last quarter): ${median(tail)} (range ${Math.min(...tail)}..${Math.max(...tail)}), K = ${K}; ` +
      `${(REQUESTS / seconds).toFixed(0)} req/s (the server's best: ${((K * 1000) / BASE).toFixed(0)} req/s)`,
  );
}

const childAt = process.argv.indexOf("--child");
if (childAt !== -1) {
  await child(process.argv[childAt + 1]);
} else {
  console.log(`bench/async.ts${quick ? " --quick" : ""} (node ${process.version})`);
  await throughput();
  await afterGc();
  memory();
  await endless();
  await batcher();
  await adaptive();
}
