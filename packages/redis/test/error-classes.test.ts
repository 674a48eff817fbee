/**
 * Every error class of juggle-core and juggle-redis, found in their entry
 * points' exports (not a hand-kept list), thrown by a task on a `juggle
 * worker` process and rebuilt by the RedisPool caller as itself: class, name,
 * message, code, own properties and the worker's stack. Twice: a worker that
 * runs jobs on its main thread, and one that runs them in a worker thread
 * (the failure then crosses a thread before it crosses Redis). The Redis
 * package's own classes also cross a pool's thread and process.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { ProcessPool, task, ThreadPool } from "juggle-core";
import { type AnyErrorClass, assertThrownThrough, exportedErrorClasses, throwExported } from "juggle-testing/fixtures/errors";
import { type RedisServer, startRedisServer } from "juggle-testing/redis-server";
import { RedisPool } from "../src/index.js";
import { startWorker, type WorkerProcess } from "./workers.js";

const fixture = import.meta.resolve("juggle-testing/fixtures/errors");
const thrower = task<typeof throwExported>(fixture, "throwExported");
const entries = ["juggle-core", "juggle-core/shared-memory", "juggle-core/executor", "juggle-redis"];

const found: [string, string, AnyErrorClass][] = [];
for (const entry of entries) {
  for (const [name, errorClass] of exportedErrorClasses(await import(entry))) found.push([entry, name, errorClass]);
}

let redis: RedisServer;
const workers: WorkerProcess[] = [];
const pools: [string, RedisPool][] = [];

before(async () => {
  redis = await startRedisServer();
  for (const [queue, extra] of [
    ["errors-main", []],
    ["errors-thread", ["--threads", "1"]],
  ] as const) {
    workers.push(await startWorker(redis.url, ["--tasks", fileURLToPath(fixture), "--queue", queue, "--quiet", ...extra]));
    pools.push([`Redis (${queue})`, new RedisPool({ connection: redis.url, queue })]);
  }
});

after(async () => {
  await Promise.all(pools.map(([, pool]) => pool.terminate()));
  const codes = await Promise.all(workers.map((w) => w.stop()));
  await redis.stop();
  assert.deepEqual(codes, [0, 0], "both workers stopped cleanly");
});

describe("error classes across Redis", () => {
  it("finds the Redis package's error classes in its exports", () => {
    assert.ok(found.some(([entry, name]) => entry === "juggle-redis" && name === "RedisUnreachableError"));
  });

  for (const [entry, name, errorClass] of found) {
    it(`${name} from ${entry} comes back from a Redis worker (main thread and worker thread) as itself`, async () => {
      for (const [where, pool] of pools) {
        await assertThrownThrough(where, pool, thrower, entry, name, errorClass);
      }
    });
  }

  it("the Redis package's error classes come back from a pool's thread and process as themselves", async () => {
    await using threads = new ThreadPool({ workers: 1 });
    await using processes = new ProcessPool({ workers: 1 });
    for (const [entry, name, errorClass] of found.filter(([e]) => e === "juggle-redis")) {
      for (const [where, pool] of [
        ["a worker thread", threads],
        ["a child process", processes],
      ] as const) {
        await assertThrownThrough(where, pool, thrower, entry, name, errorClass);
      }
    }
  });
});
