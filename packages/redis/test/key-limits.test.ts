import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Redis } from "ioredis";
import { tasks } from "juggle-core";
import { startRedisServer } from "juggle-testing/redis-server";
import { KeySlots } from "../src/key-limits.js";
import { RedisPool } from "../src/index.js";
import { startWorker, tasksModule, until, type WorkerProcess } from "./workers.js";

const t = tasks<typeof import("./fixtures/tasks.js")>(tasksModule);

/** The most tasks of each key that ran at once, from the workers' start/end records. */
function peakPerKey(file: string): Map<string, number> {
  const events = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [kind, key, at] = line.split(" ");
      return { start: kind === "start", key: key as string, at: Number(at) };
    })
    // At the same instant an end comes first: the slot is given back after the end record.
    .sort((a, b) => a.at - b.at || Number(a.start) - Number(b.start));
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  for (const { start, key } of events) {
    const n = (running.get(key) ?? 0) + (start ? 1 : -1);
    running.set(key, n);
    peak.set(key, Math.max(peak.get(key) ?? 0, n));
  }
  for (const [key, n] of running) assert.equal(n, 0, `key ${key} has unmatched records`);
  return peak;
}

test("RedisPool keys: two producers and two workers never run more than `concurrency` jobs of a key at once", async () => {
  const redis = await startRedisServer();
  const dir = await mkdtemp(join(tmpdir(), "juggle-keys-"));
  const workers: WorkerProcess[] = [];
  const pools = [0, 1].map(() => new RedisPool({ connection: redis.url, queue: "keys", keys: { concurrency: 2 } }));
  try {
    for (let i = 0; i < 2; i++) workers.push(await startWorker(redis.url, ["--queue", "keys", "--concurrency", "6"]));
    const file = join(dir, "spans");
    const items = Array.from({ length: 18 }, (_, i) => ["a", "b", "c"][i % 3] as string);
    const results = await Promise.all(
      pools.map((pool) => pool.starmap(t.recordSpan, items.map((key) => [file, key, 40] as [string, string, number]), { key: ([, key]) => key })),
    );
    assert.deepEqual(results, [items, items]);
    const peak = peakPerKey(file);
    assert.deepEqual([...peak.keys()].sort(), ["a", "b", "c"]);
    for (const [key, n] of peak) assert.ok(n <= 2, `key ${key} ran ${n} jobs at once`);
    // Twelve workers' slots for three keys of two: the limit, not a lack of workers, held them.
    assert.ok([...peak.values()].some((n) => n === 2), JSON.stringify([...peak]));
  } finally {
    for (const pool of pools) await pool.terminate();
    for (const worker of workers) assert.equal(await worker.stop(), 0, worker.output());
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test("RedisPool keys: imap and imapUnordered take a key per item and keep each key's concurrency", async () => {
  const redis = await startRedisServer();
  const dir = await mkdtemp(join(tmpdir(), "juggle-keys-imap-"));
  const pool = new RedisPool({ connection: redis.url, queue: "keys-imap", keys: { concurrency: 2 } });
  const worker = await startWorker(redis.url, ["--queue", "keys-imap", "--concurrency", "12"]);
  try {
    const keys = Array.from({ length: 12 }, (_, i) => ["a", "b", "c"][i % 3] as string);
    const spans = (file: string) => keys.map((key) => ({ file, key, ms: 40 }));
    const ordered: string[] = [];
    for await (const key of pool.imap(t.recordSpanOf, spans(join(dir, "imap")), { key: (item) => item.key })) ordered.push(key);
    assert.deepEqual(ordered, keys);
    const unordered: string[] = [];
    for await (const key of pool.imapUnordered(t.recordSpanOf, spans(join(dir, "unordered")), { key: (item) => item.key })) unordered.push(key);
    assert.deepEqual([...unordered].sort(), [...keys].sort());
    for (const file of ["imap", "unordered"]) {
      const peak = peakPerKey(join(dir, file));
      assert.deepEqual([...peak.keys()].sort(), ["a", "b", "c"]);
      for (const [key, n] of peak) assert.ok(n <= 2, `${file}: key ${key} ran ${n} jobs at once`);
      // Twelve worker slots for three keys of two: the limit, not a lack of slots, held them.
      assert.ok([...peak.values()].some((n) => n === 2), `${file}: ${JSON.stringify([...peak])}`);
    }
    // Over an endless source: at most `buffersize` items pulled ahead of the
    // consumer; leaving the loop stops the pulling and cancels the rest.
    let pulled = 0;
    function* endless(): Generator<string> {
      for (let i = 0; ; i++) {
        pulled++;
        yield ["a", "b", "c"][i % 3] as string;
      }
    }
    let consumed = 0;
    for await (const key of pool.imap(t.echo, endless(), { key: (k) => k as string, buffersize: 4 })) {
      assert.equal(key, ["a", "b", "c"][consumed % 3]);
      consumed++;
      assert.ok(pulled <= consumed + 4, `pulled ${pulled} after ${consumed} consumed`);
      if (consumed === 10) break;
    }
    const after = pulled;
    // A keyed map fails with its task's error.
    await assert.rejects(pool.map(t.boom, ["no luck"], { key: () => "a" }), { name: "TypeError", message: "no luck" });
    // Every call the loop or the failure left behind settles (cancelled or done): join() returns.
    pool.close();
    await pool.join();
    assert.equal(pulled, after);
    assert.equal(pool.stats().running, 0);
  } finally {
    await pool.terminate();
    assert.equal(await worker.stop(), 0, worker.output());
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test("RedisPool keys: a SIGKILLed worker's key slot is freed when its job is recovered, never held forever", async () => {
  const redis = await startRedisServer();
  const dir = await mkdtemp(join(tmpdir(), "juggle-keys-kill-"));
  const first = await startWorker(redis.url, ["--queue", "keys-kill"]);
  let second: WorkerProcess | undefined;
  const pool = new RedisPool({ connection: redis.url, queue: "keys-kill", keys: { concurrency: 1 } });
  try {
    const runs = join(dir, "runs");
    const held = pool.run(t.holdFirstRun, [runs, "recovered"], { key: "tenant-1" });
    await until("the keyed task starts", () => existsSync(runs), 10_000);
    second = await startWorker(redis.url, ["--queue", "keys-kill"]);
    // A second job of the key waits: the first holds the key's only slot.
    const next = pool.run(t.echo, ["next"], { key: "tenant-1" });
    first.child.kill("SIGKILL");
    assert.equal(await first.exited, "SIGKILL");
    let timer: NodeJS.Timeout | undefined;
    const both = await Promise.race([
      Promise.all([held, next]),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the key's slot was not freed within 15 s")), 15_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.deepEqual(both, ["recovered", "next"]);
    const client = new Redis(redis.url);
    // Every slot given back.
    assert.equal(await client.zcard("juggle:keys-kill:key:tenant-1:run"), 0);
    client.disconnect();
  } finally {
    await pool.terminate();
    if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill("SIGKILL");
    if (second !== undefined) assert.equal(await second.stop(), 0, second.output());
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test("key slots in Redis: concurrency, a sliding-window rate by Redis's clock, and a lapsed lease", async () => {
  const redis = await startRedisServer();
  const slots = new KeySlots(new Redis(redis.url), "p", "q", 300);
  try {
    // Rate: 3 starts per 10 s; the fourth is told how long to wait.
    for (const id of ["1", "2", "3"]) assert.equal(await slots.acquire(id, "r", [0, 3, 10_000]), 0);
    const wait = await slots.acquire("4", "r", [0, 3, 10_000]);
    assert.ok(wait > 0 && wait <= 10_000, String(wait));
    // Concurrency 1: a second job waits; the holder's slot comes back when released.
    assert.equal(await slots.acquire("a", "c", [1, 0, 0]), 0);
    assert.ok((await slots.acquire("b", "c", [1, 0, 0])) > 0);
    assert.equal(await slots.acquire("a", "c", [1, 0, 0]), 0, "the holder itself (a recovered job) gets its slot again");
    const release = slots.hold("a", "c");
    await release();
    assert.equal(await slots.acquire("b", "c", [1, 0, 0]), 0);
    // Nobody renews b's slot (its worker died): it lapses after the 300 ms lease.
    await until("the unrenewed slot lapses", async () => (await slots.acquire("d", "c", [1, 0, 0])) === 0, 5_000);
  } finally {
    await slots.close();
    await redis.stop();
  }
});

test("RedisPool keys: bad options and keys are refused, naming them", async () => {
  assert.throws(() => new RedisPool({ connection: "redis://127.0.0.1:1", keys: { concurrency: 0 } }), {
    name: "RangeError",
    message: /'keys.concurrency' must be a positive integer: received 0/,
  });
  assert.throws(() => new RedisPool({ connection: "redis://127.0.0.1:1", keys: { rate: { limit: 5, interval: 0 } } }), {
    name: "RangeError",
    message: /'interval'.*received 0/,
  });
  assert.throws(() => new RedisPool({ connection: "redis://127.0.0.1:1", keys: {} }), { name: "TypeError", message: /'keys' must set/ });
  const pool = new RedisPool({ connection: "redis://127.0.0.1:1", keys: { concurrency: 1 } });
  const plain = new RedisPool({ connection: "redis://127.0.0.1:1" });
  try {
    await assert.rejects(pool.run(t.echo, [1], { key: {} as never }), { name: "TypeError", message: /'key' must be a non-empty string or a finite number: received an object/ });
    await assert.rejects(pool.run(t.echo, [1], { key: Number.NaN }), { name: "TypeError", message: /received NaN/ });
    await assert.rejects(plain.run(t.echo, [1], { key: "a" }), { name: "TypeError", message: /'key' needs the pool's 'keys' option/ });
    await assert.rejects(pool.map(t.echo, [1], { key: "a" as never }), { name: "TypeError", message: /'key' must be a function of the item/ });
    // A keyed imap reports bad input at its first next(), like every map stream.
    await assert.rejects(pool.imap(t.echo, [1], { key: "a" as never }).next(), {
      name: "TypeError",
      message: "Cannot imap task 'echo' as 'key' must be a function of the item: received \"a\"",
    });
    await assert.rejects(pool.imapUnordered(t.echo, [1], { key: () => "a", buffersize: 0 }).next(), {
      name: "RangeError",
      message: /^Cannot imapUnordered task 'echo' as 'buffersize' must be a positive integer: received 0/,
    });
    await assert.rejects(pool.imap(t.echo, 5 as never, { key: () => "a" }).next(), { name: "TypeError", message: /'items' must be an iterable/ });
    await assert.rejects(pool.imap(t.echo, [1], { key: () => ({}) as never }).next(), { name: "TypeError", message: /'key' must be a non-empty string/ });
    await assert.rejects(plain.imapUnordered(t.echo, [1], { key: () => "a" }).next(), { name: "TypeError", message: /'key' needs the pool's 'keys' option/ });
  } finally {
    await pool.terminate();
    await plain.terminate();
  }
});
