import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { RedisPool, RedisUnreachableError } from "../src/index.js";
import { tasks } from "juggle-core";
import { type RedisServer, startRedisServer } from "juggle-testing/redis-server";
import { cli, startWorker, tasksModule, type WorkerProcess, until } from "./workers.js";

const t = tasks<typeof import("./fixtures/tasks.js")>(tasksModule);
const QUEUE = "main";

let redis: RedisServer;
let worker: WorkerProcess;
let client: Redis;
let dir: string;

before(async () => {
  redis = await startRedisServer();
  worker = await startWorker(redis.url, ["--queue", QUEUE, "--concurrency", "4"]);
  client = new Redis(redis.url);
  dir = await mkdtemp(join(tmpdir(), "juggle-dist-"));
});

after(async () => {
  const code = await worker.stop();
  client.disconnect();
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
  assert.equal(code, 0, `worker exited with ${code}: ${worker.output()}`);
});

/** Job hashes left under a queue (keys other than BullMQ's bookkeeping). */
async function leftoverJobs(queue: string): Promise<string[]> {
  const keys = await client.keys(`juggle:${queue}:*`);
  return keys.filter((k) => /^juggle:[^:]+:[a-z0-9]+-\d+(:logs)?$/.test(k));
}

function pool(options: Partial<ConstructorParameters<typeof RedisPool>[0]> = {}): RedisPool {
  return new RedisPool({ connection: redis.url, queue: QUEUE, ...options });
}

describe("RedisPool", () => {
  test("submit() and map() return results, map in input order, with and without chunks", async () => {
    await using p = pool();
    assert.equal(await p.submit(t.add, 2, 3), 5);
    const items = Array.from({ length: 50 }, (_, i) => i);
    assert.deepEqual(await p.map(t.square, items, { chunksize: 1 }), items.map((x) => x * x));
    assert.deepEqual(await p.map(t.square, items), items.map((x) => x * x));
    assert.deepEqual(await p.starmap(t.add, [[1, 2], [3, 4]]), [3, 7]);
    const ordered: number[] = [];
    for await (const v of p.imap(t.square, [3, 1, 2], { chunksize: 2 })) ordered.push(v);
    assert.deepEqual(ordered, [9, 1, 4]);
    assert.equal(p.stats().completed, 1 + 50 + 50 + 2 + 3);
  });

  test("imapUnordered() yields results in completion order", async () => {
    await using p = pool();
    const gate = join(dir, "gate-order");
    const open = join(dir, "already-open");
    await writeFile(open, "");
    // Item 0 cannot finish before the gate file exists, which is created only
    // once a first result has been received: that one must be item 1's.
    const seen: number[] = [];
    const items = [
      { gate, value: 0 },
      { gate: open, value: 1 },
    ];
    for await (const v of p.imapUnordered(t.gated, items, { chunksize: 1 })) {
      seen.push(v);
      if (seen.length === 1) await writeFile(gate, "");
    }
    assert.deepEqual(seen, [1, 0]);
  });

  test("arguments and results keep Map, Set, BigInt, Date, undefined and typed arrays", async () => {
    await using p = pool();
    const value = {
      map: new Map<unknown, unknown>([["a", 1n]]),
      set: new Set([1, 2]),
      big: 2n ** 70n,
      date: new Date(1234),
      missing: undefined,
      bytes: new Float64Array([1.5, -0]),
      nested: [undefined, null, Number.NaN],
    };
    const back = await p.submit(t.echo, value);
    assert.deepEqual(back, value);
    assert.ok(back.map instanceof Map && back.date instanceof Date && back.bytes instanceof Float64Array);
    assert.ok("missing" in back);
  });

  test("non-cloneable arguments are refused before anything is queued, naming the argument", async () => {
    await using p = pool({ queue: "refused" });
    await assert.rejects(p.submit(t.echo, (() => 1) as unknown as number), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /args\[0\] cannot be sent to a worker/);
      return true;
    });
    await assert.rejects(p.map(t.echo, [1, 2, Symbol("s") as unknown as number], { chunksize: 3 }), /items\[2\] cannot be sent/);
    await assert.rejects(p.submit(t.echo, "x".repeat(2_000_000)), (e: Error) => e instanceof RangeError && /maxPayloadBytes/.test(e.message));
    assert.deepEqual(await client.keys("juggle:refused:*"), []);
  });

  test("a task that throws rejects with the error's class, name, message and code", async () => {
    await using p = pool();
    await assert.rejects(p.submit(t.boom, "bad input"), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.name, "TypeError");
      assert.equal(e.message, "bad input");
      assert.match(e.stack ?? "", /boom/);
      return true;
    });
    await assert.rejects(p.submit(t.boom, "coded", true), (e: Error & { code?: string; detail?: number }) => {
      assert.equal(e.name, "CodedError");
      assert.equal(e.code, "E_CODED");
      assert.equal(e.detail, 42);
      return true;
    });
    await assert.rejects(p.submit(t.unclonable), /Cannot send the task's result back from the worker as it cannot be cloned/);
    assert.equal(p.stats().failed, 3);
  });

  test("with retries a failing task succeeds on a later attempt; without, it fails", async () => {
    await using p = pool({ retries: 2, backoff: 10 });
    assert.equal(await p.submit(t.flaky, join(dir, "flaky-1"), 2), 3);
    await using once = pool();
    await assert.rejects(once.submit(t.flaky, join(dir, "flaky-2"), 1), /attempt 1 fails/);
  });

  test("a task over its timeout (per call or the pool's default) fails with TimeoutError", async () => {
    await using p = pool();
    await assert.rejects(p.run(t.waitForFile, [join(dir, "never"), 1], { timeout: 50 }), (e: Error) => {
      assert.equal(e.name, "TimeoutError");
      assert.match(e.message, /timed out after 50 ms/);
      return true;
    });
    await using defaulted = pool({ timeout: 50 });
    await assert.rejects(defaulted.submit(t.waitForFile, join(dir, "never"), 2), { name: "TimeoutError" });
    // The worker gives up on the task too, and the pool removes the failed job.
    await until("the timed-out job is removed", async () => {
      const [failed, active] = await Promise.all([client.zcard(`juggle:${QUEUE}:failed`), client.llen(`juggle:${QUEUE}:active`)]);
      return failed === 0 && active === 0 && (await leftoverJobs(QUEUE)).length === 0;
    });
  });

  test("cancelling a call removes its queued jobs", async () => {
    await using p = pool({ queue: "cancelled" });
    const controller = new AbortController();
    const call = p.map(t.square, [1, 2, 3, 4, 5], { chunksize: 1, signal: controller.signal });
    await until("5 jobs wait", async () => (await client.llen("juggle:cancelled:wait")) === 5);
    controller.abort(new Error("changed my mind"));
    await assert.rejects(call, /changed my mind/);
    // No worker serves this queue: only the pool's removal can empty it.
    await until("the queued jobs are removed", async () => (await client.llen("juggle:cancelled:wait")) === 0);
    assert.deepEqual(await leftoverJobs("cancelled"), []);
  });

  test("cancelling a running task aborts its taskSignal() on the worker", async () => {
    await using p = pool();
    const taskDir = await mkdtemp(join(dir, "abort-"));
    const controller = new AbortController();
    const call = p.run(t.waitForAbort, [taskDir], { signal: controller.signal });
    await until("the task runs", async () => existsSync(join(taskDir, "started")));
    controller.abort(new Error("no longer needed"));
    await assert.rejects(call, /no longer needed/);
    await until("the task sees its signal abort", async () => existsSync(join(taskDir, "aborted")));
    assert.equal(readFileSync(join(taskDir, "aborted"), "utf8"), "CancelledError");
    await until("the aborted job is removed", async () => (await leftoverJobs(QUEUE)).length === 0);
  });

  test("terminate() rejects pending calls with CancelledError and removes their queued jobs", async () => {
    const p = pool({ queue: "terminated" });
    const calls = [1, 2, 3].map((x) => p.submit(t.square, x));
    await until("3 jobs wait", async () => (await client.llen("juggle:terminated:wait")) === 3);
    const outcomes = calls.map((c) => assert.rejects(c, { name: "CancelledError" }));
    await p.terminate();
    await Promise.all(outcomes);
    assert.equal(await client.llen("juggle:terminated:wait"), 0);
    assert.deepEqual(await leftoverJobs("terminated"), []);
    // Terminated before it ever connected: nothing connects afterwards.
    const early = pool({ queue: "never" });
    const call = early.submit(t.square, 1);
    await early.terminate();
    await assert.rejects(call, { name: "CancelledError" });
    assert.deepEqual(await client.keys("juggle:never:*"), []);
  });

  test("finished jobs are removed from Redis once their results are delivered", async () => {
    await using p = pool({ retries: 1, backoff: 1 });
    await p.map(t.square, Array.from({ length: 30 }, (_, i) => i), { chunksize: 1 });
    await assert.rejects(p.submit(t.boom, "x"));
    p.close();
    await p.join();
    assert.equal(await client.zcard(`juggle:${QUEUE}:completed`), 0);
    assert.equal(await client.zcard(`juggle:${QUEUE}:failed`), 0);
    assert.deepEqual(await leftoverJobs(QUEUE), []);
  });

  test("an unreachable Redis gives a clear error in bounded time", async () => {
    const spare = await startRedisServer();
    const url = spare.url;
    await spare.stop();
    const p = new RedisPool({ connection: url, connectTimeout: 1000 });
    const started = Date.now();
    await assert.rejects(p.submit(t.square, 1), (e: Error) => {
      assert.ok(e instanceof RedisUnreachableError);
      assert.match(e.message, /Cannot use RedisPool as Redis at redis:\/\/127\.0\.0\.1:\d+\/? is unreachable/);
      return true;
    });
    assert.ok(Date.now() - started < 10_000);
    await p.terminate();
  });

  test("closed pools refuse work; bad options are refused with the option's name", async () => {
    const p = pool();
    p.close();
    await assert.rejects(p.submit(t.square, 1), { name: "ExecutorClosedError" });
    await p.join();
    assert.throws(() => new RedisPool({ connection: "http://x" }), /redis:\/\/ or rediss:\/\/ URL/);
    assert.throws(() => new RedisPool({ connection: redis.url, retries: -1 }), /'retries' must be a non-negative integer/);
  });

  test("a worker started with --threads runs its jobs in worker threads", async () => {
    const threaded = await startWorker(redis.url, ["--queue", "threads", "--threads", "2", "--quiet"]);
    try {
      await using p = pool({ queue: "threads" });
      assert.deepEqual(await p.map(t.square, [1, 2, 3, 4], { chunksize: 1 }), [1, 4, 9, 16]);
      await assert.rejects(p.submit(t.boom, "in a thread"), { name: "TypeError", message: "in a thread" });
      const ids = p.stats().workers.map((w) => w.id);
      assert.ok(ids.length > 0 && ids.every((id) => /\/t\d+$/.test(id)), `worker ids: ${ids.join(", ")}`);
      // Cancelling reaches a task running in a thread too.
      const taskDir = await mkdtemp(join(dir, "thread-abort-"));
      const controller = new AbortController();
      const call = p.run(t.waitForAbort, [taskDir], { signal: controller.signal });
      await until("the task runs", async () => existsSync(join(taskDir, "started")));
      controller.abort(new Error("stop the thread's task"));
      await assert.rejects(call, /stop the thread's task/);
      await until("the task sees its signal abort", async () => existsSync(join(taskDir, "aborted")));
    } finally {
      assert.equal(await threaded.stop(), 0, threaded.output());
    }
  });

  test("completions missed by the events listener (stream trimmed) are found in Redis", async () => {
    await using p = pool({ reconcileInterval: 50 });
    await p.ready();
    const gate = join(dir, "gate-reconcile");
    const items = [0, 1, 2, 3].map((value) => ({ gate, value }));
    const call = p.map(t.gated, items, { chunksize: 1 });
    await until("4 jobs run", async () => (await client.llen(`juggle:${QUEUE}:active`)) === 4);
    // Block this event loop while the jobs complete and their events are
    // trimmed away, so the pool's listener cannot read them.
    const cli = (...args: string[]): string => execFileSync("redis-cli", ["-p", String(redis.port), ...args], { encoding: "utf8" }).trim();
    writeFileSync(gate, "");
    const deadline = Date.now() + 10_000;
    while (cli("ZCARD", `juggle:${QUEUE}:completed`) !== "4") {
      if (Date.now() > deadline) throw new Error("jobs did not complete");
    }
    cli("XTRIM", `juggle:${QUEUE}:events`, "MAXLEN", "0");
    assert.deepEqual(await call, [0, 1, 2, 3]);
  });

  test("juggle queues shows counts, workers and the oldest waiting job", async () => {
    await using p = pool({ queue: "watched" });
    const controller = new AbortController();
    const call = p.map(t.square, [1, 2], { chunksize: 1, signal: controller.signal });
    await until("2 jobs wait", async () => (await client.llen("juggle:watched:wait")) === 2);
    const { stdout } = await promisify(execFile)(process.execPath, [cli, "queues", "--redis", redis.url, "--json"]);
    const states = JSON.parse(stdout) as { queue: string; waiting: number; workers: number; oldestWaitingMs: number | null }[];
    const watched = states.find((s) => s.queue === "watched");
    const main = states.find((s) => s.queue === QUEUE);
    assert.equal(watched?.waiting, 2);
    assert.equal(typeof watched?.oldestWaitingMs, "number");
    assert.equal(main?.workers, 1);
    controller.abort();
    await assert.rejects(call);
  });
});
