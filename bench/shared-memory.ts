/**
 * The shared-memory layer's benchmarks, juggle and its anchors side by side
 * in one run (sides alternate, medians of N rounds, ratios printed):
 *
 * 1. Small messages between two worker threads: `SharedQueue` (streaming, one
 *    `getSync` or one `getManySync` batch at a time, and ping-pong) against `postMessage` over a MessageChannel (streaming and
 *    ping-pong), in messages per second.
 * 2. `Lock`: uncontended `acquireSync()` + `release()` cost in a worker
 *    (against a bare compare-exchange + store, the floor), and contended
 *    throughput with two workers incrementing under the lock.
 * 3. A large array (1 GiB; 256 MiB with `--quick`) read by two workers:
 *    shared (`sharedArray`) against copied (an ArrayBuffer sent to each
 *    worker, as structured clone does). Each side runs in its own child
 *    process, which reports its peak RSS.
 *
 *     npx tsc -p tsconfig.json && node dist/bench/shared-memory.js [--quick]
 *
 * This file is also the workers' and the child processes' entry point.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, parentPort, Worker, workerData } from "node:worker_threads";
import { Lock, SharedQueue, sharedArray } from "juggle-core/shared-memory";

const self = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------
// Worker side: one job per message, answers with the elapsed milliseconds.
// ---------------------------------------------------------------------------
type Job =
  | { kind: "queue-produce" | "queue-consume" | "queue-consume-many"; queue: SharedArrayBuffer; n: number }
  | { kind: "queue-ping" | "queue-pong"; a: SharedArrayBuffer; b: SharedArrayBuffer; n: number }
  | { kind: "port-produce" | "port-consume" | "port-ping" | "port-pong"; port: MessagePort; n: number }
  | { kind: "lock-uncontended" | "cas-uncontended"; lock: SharedArrayBuffer; n: number }
  | { kind: "lock-contended"; lock: SharedArrayBuffer; counter: SharedArrayBuffer; n: number }
  | { kind: "sum"; data: Float64Array };

function attachQueue(sab: SharedArrayBuffer): SharedQueue<number> {
  // The shareable protocol's reviver, without a pool in between.
  return new (SharedQueue as unknown as new (o: undefined, b: SharedArrayBuffer) => SharedQueue<number>)(undefined, sab);
}

async function runJob(job: Job): Promise<number> {
  const t0 = performance.now();
  switch (job.kind) {
    case "queue-produce": {
      const q = attachQueue(job.queue);
      for (let i = 0; i < job.n; i++) q.putSync(i);
      break;
    }
    case "queue-consume": {
      const q = attachQueue(job.queue);
      let sum = 0;
      for (let i = 0; i < job.n; i++) sum += q.getSync();
      if (sum !== (job.n * (job.n - 1)) / 2) throw new Error("queue lost messages");
      break;
    }
    case "queue-consume-many": {
      const q = attachQueue(job.queue);
      let sum = 0;
      for (let got = 0; got < job.n; ) {
        const batch = q.getManySync(256);
        for (const m of batch) sum += m;
        got += batch.length;
      }
      if (sum !== (job.n * (job.n - 1)) / 2) throw new Error("queue lost messages");
      break;
    }
    case "queue-ping":
    case "queue-pong": {
      const [inbox, outbox] = job.kind === "queue-ping" ? [attachQueue(job.b), attachQueue(job.a)] : [attachQueue(job.a), attachQueue(job.b)];
      if (job.kind === "queue-ping") {
        for (let i = 0; i < job.n; i++) {
          outbox.putSync(i);
          inbox.getSync();
        }
      } else {
        for (let i = 0; i < job.n; i++) outbox.putSync(inbox.getSync());
      }
      break;
    }
    case "port-produce": {
      for (let i = 0; i < job.n; i++) job.port.postMessage(i);
      break;
    }
    case "port-consume":
    case "port-pong":
    case "port-ping": {
      const { port, n, kind } = job;
      await new Promise<void>((resolve) => {
        let got = 0;
        port.on("message", (m: number) => {
          got++;
          if (kind === "port-pong") port.postMessage(m);
          else if (kind === "port-ping" && got < n) port.postMessage(got);
          if (got === n) resolve();
        });
        if (kind === "port-ping") port.postMessage(0);
      });
      port.close();
      break;
    }
    case "lock-uncontended": {
      const lock = new (Lock as unknown as new (b: SharedArrayBuffer, i: number) => Lock)(job.lock, 0);
      for (let i = 0; i < job.n; i++) {
        lock.acquireSync();
        lock.release();
      }
      break;
    }
    case "cas-uncontended": {
      const i32 = new Int32Array(job.lock);
      for (let i = 0; i < job.n; i++) {
        Atomics.compareExchange(i32, 0, 0, 1);
        Atomics.store(i32, 0, 0);
      }
      break;
    }
    case "lock-contended": {
      const lock = new (Lock as unknown as new (b: SharedArrayBuffer, i: number) => Lock)(job.lock, 0);
      const counter = new Int32Array(job.counter);
      for (let i = 0; i < job.n; i++) {
        lock.acquireSync();
        counter[0] = (counter[0] as number) + 1;
        lock.release();
      }
      break;
    }
    case "sum": {
      let s = 0;
      const d = job.data;
      for (let i = 0; i < d.length; i += 512) s += d[i] as number; // one read per 4 KiB page
      if (Number.isNaN(s)) throw new Error("unreachable");
      break;
    }
  }
  return performance.now() - t0;
}

if (parentPort !== null && workerData?.benchWorker) {
  const port = parentPort;
  port.on("message", (job: Job) => {
    runJob(job).then(
      (ms) => port.postMessage({ ms }),
      (error: unknown) => port.postMessage({ error: String(error) }),
    );
  });
}

// ---------------------------------------------------------------------------
// Child-process side of the memory benchmark.
// ---------------------------------------------------------------------------
async function memoryChild(mode: "share" | "copy", bytes: number): Promise<void> {
  const [a, b] = [startWorker(), startWorker()];
  const data = mode === "share" ? sharedArray("float64", bytes / 8) : new Float64Array(bytes / 8);
  for (let i = 0; i < data.length; i += 512) data[i] = 1; // touch every page
  await Promise.all([a.run({ kind: "sum", data }), b.run({ kind: "sum", data })]);
  await Promise.all([a.close(), b.close()]);
  process.stdout.write(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

// ---------------------------------------------------------------------------
// Main side.
// ---------------------------------------------------------------------------
interface BenchWorker {
  run(job: Job, transfer?: MessagePort[]): Promise<number>;
  close(): Promise<number>;
}

function startWorker(): BenchWorker {
  const worker = new Worker(self, { workerData: { benchWorker: true } });
  return {
    run: (job, transfer = []) =>
      new Promise((resolve, reject) => {
        worker.once("message", (m: { ms?: number; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m.ms as number)));
        worker.postMessage(job, transfer);
      }),
    close: () => worker.terminate(),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] as number;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3);
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const ROUNDS = quick ? 3 : 7;
  const MESSAGES = quick ? 100_000 : 1_000_000;
  const PINGS = quick ? 5_000 : 50_000;
  const LOCK_OPS = quick ? 1_000_000 : 10_000_000;
  const CONTENDED = quick ? 200_000 : 2_000_000;
  const BYTES = (quick ? 256 : 1024) * 1024 * 1024;

  const [a, b] = [startWorker(), startWorker()];
  const rate = (n: number, ms: number) => (n / ms) * 1000;

  // 1. Messages between two threads.
  const sides: Record<string, () => Promise<number>> = {
    "SharedQueue stream": async () => {
      const q = new SharedQueue<number>({ capacity: 1024, messageSize: 8 });
      const ms = await Promise.all([a.run({ kind: "queue-produce", queue: q.buffer, n: MESSAGES }), b.run({ kind: "queue-consume", queue: q.buffer, n: MESSAGES })]);
      return rate(MESSAGES, Math.max(...ms));
    },
    "SharedQueue getManySync": async () => {
      const q = new SharedQueue<number>({ capacity: 1024, messageSize: 8 });
      const ms = await Promise.all([a.run({ kind: "queue-produce", queue: q.buffer, n: MESSAGES }), b.run({ kind: "queue-consume-many", queue: q.buffer, n: MESSAGES })]);
      return rate(MESSAGES, Math.max(...ms));
    },
    "postMessage stream": async () => {
      const { port1, port2 } = new MessageChannel();
      const ms = await Promise.all([
        a.run({ kind: "port-produce", port: port1, n: MESSAGES }, [port1]),
        b.run({ kind: "port-consume", port: port2, n: MESSAGES }, [port2]),
      ]);
      return rate(MESSAGES, Math.max(...ms));
    },
    "SharedQueue ping-pong": async () => {
      const q1 = new SharedQueue<number>({ capacity: 2, messageSize: 8 });
      const q2 = new SharedQueue<number>({ capacity: 2, messageSize: 8 });
      const ms = await Promise.all([
        a.run({ kind: "queue-ping", a: q1.buffer, b: q2.buffer, n: PINGS }),
        b.run({ kind: "queue-pong", a: q1.buffer, b: q2.buffer, n: PINGS }),
      ]);
      return rate(PINGS * 2, Math.max(...ms));
    },
    "postMessage ping-pong": async () => {
      const { port1, port2 } = new MessageChannel();
      const ms = await Promise.all([
        a.run({ kind: "port-ping", port: port1, n: PINGS }, [port1]),
        b.run({ kind: "port-pong", port: port2, n: PINGS }, [port2]),
      ]);
      return rate(PINGS * 2, Math.max(...ms));
    },
  };
  const results: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, side] of Object.entries(sides)) (results[name] ??= []).push(await side());
  }
  console.log(`\nSmall messages between two worker threads (${fmt(MESSAGES)} streamed, ${fmt(PINGS)} round trips; median of ${ROUNDS}):`);
  const anchor = median(results["postMessage ping-pong"] as number[]);
  const stream = median(results["postMessage stream"] as number[]);
  for (const [name, xs] of Object.entries(results)) {
    const m = median(xs);
    console.log(`  ${name.padEnd(24)} ${fmt(m).padStart(12)} msgs/s   x${(m / anchor).toFixed(1)} vs postMessage ping-pong   x${(m / stream).toFixed(1)} vs postMessage stream`);
  }

  // 2. Lock costs.
  const lockSides: Record<string, () => Promise<number>> = {
    "Lock acquireSync+release": async () => (await a.run({ kind: "lock-uncontended", lock: new Lock().buffer, n: LOCK_OPS })) * 1e6 / LOCK_OPS,
    "bare CAS + store (floor)": async () => (await a.run({ kind: "cas-uncontended", lock: new SharedArrayBuffer(4), n: LOCK_OPS })) * 1e6 / LOCK_OPS,
  };
  const lockResults: Record<string, number[]> = {};
  const contended: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, side] of Object.entries(lockSides)) (lockResults[name] ??= []).push(await side());
    const lock = new Lock();
    const counterBuf = new SharedArrayBuffer(4);
    const ms = await Promise.all([
      a.run({ kind: "lock-contended", lock: lock.buffer, counter: counterBuf, n: CONTENDED }),
      b.run({ kind: "lock-contended", lock: lock.buffer, counter: counterBuf, n: CONTENDED }),
    ]);
    if (new Int32Array(counterBuf)[0] !== 2 * CONTENDED) throw new Error("the lock lost increments");
    contended.push(rate(2 * CONTENDED, Math.max(...ms)));
  }
  console.log(`\nLock (median of ${ROUNDS}):`);
  const floor = median(lockResults["bare CAS + store (floor)"] as number[]);
  for (const [name, xs] of Object.entries(lockResults)) {
    const m = median(xs);
    console.log(`  ${name.padEnd(28)} ${m.toFixed(1).padStart(8)} ns/op   x${(m / floor).toFixed(2)} vs floor`);
  }
  console.log(`  ${"contended, 2 workers".padEnd(28)} ${fmt(median(contended)).padStart(8)} acquire+release/s`);
  await Promise.all([a.close(), b.close()]);

  // 3. A large array shared with two workers vs copied to them.
  const memRounds = quick ? 1 : 3;
  const mem: Record<string, number[]> = { share: [], copy: [] };
  for (let r = 0; r < memRounds; r++) {
    for (const mode of ["share", "copy"] as const) {
      const out = execFileSync(process.execPath, [self, "--memory-child", mode, String(BYTES)], { encoding: "utf8" });
      mem[mode]?.push((JSON.parse(out) as { maxRssMiB: number }).maxRssMiB);
    }
  }
  const share = median(mem.share as number[]);
  const copy = median(mem.copy as number[]);
  console.log(`\n${BYTES / 2 ** 20} MiB array read by two workers, peak RSS of the process (median of ${memRounds}):`);
  console.log(`  shared (sharedArray)       ${fmt(share).padStart(8)} MiB`);
  console.log(`  copied (ArrayBuffer)       ${fmt(copy).padStart(8)} MiB   x${(copy / share).toFixed(2)} of shared`);
}

const childAt = process.argv.indexOf("--memory-child");
if (childAt >= 0) {
  await memoryChild(process.argv[childAt + 1] as "share" | "copy", Number(process.argv[childAt + 2]));
} else if (parentPort === null) {
  await main();
}
