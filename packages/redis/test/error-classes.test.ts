/**
 * Every error class of juggle-core and juggle-redis, found in their entry
 * points' exports (not a hand-kept list), thrown by a task on a `juggle
 * worker` process and rebuilt by the RedisPool caller as itself: class, name,
 * message, code, own properties and the worker's stack. The worker runs its
 * jobs in a worker thread (`--threads 1`), so each failure crosses a thread
 * (as a registered `JobFailure`) and then Redis; the contract suite covers
 * errors from a worker's main thread. The Redis package's own classes also
 * cross a pool's thread and process.
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

const QUEUE = "errors";
let redis: RedisServer;
let worker: WorkerProcess;
let pool: RedisPool;

before(async () => {
  redis = await startRedisServer();
  worker = await startWorker(redis.url, ["--tasks", fileURLToPath(fixture), "--queue", QUEUE, "--quiet", "--threads", "1"]);
  pool = new RedisPool({ connection: redis.url, queue: QUEUE });
});

after(async () => {
  await pool.terminate();
  const code = await worker.stop();
  await redis.stop();
  assert.equal(code, 0, `the worker stopped cleanly: ${worker.output()}`);
});

describe("error classes across Redis", () => {
  it("finds the Redis package's error classes in its exports", () => {
    assert.ok(found.some(([entry, name]) => entry === "juggle-redis" && name === "RedisUnreachableError"));
  });

  for (const [entry, name, errorClass] of found) {
    it(`${name} from ${entry} comes back from a Redis worker's thread as itself`, async () => {
      await assertThrownThrough("Redis", pool, thrower, entry, name, errorClass);
    });
  }

  it("the Redis package's error classes come back from a pool's thread and process as themselves", async () => {
    // One pool at a time: with the Redis worker, never more than two workers.
    for (const [where, make] of [
      ["a worker thread", () => new ThreadPool({ workers: 1 })],
      ["a child process", () => new ProcessPool({ workers: 1 })],
    ] as const) {
      await using executor = make();
      for (const [entry, name, errorClass] of found.filter(([e]) => e === "juggle-redis")) {
        await assertThrownThrough(where, executor, thrower, entry, name, errorClass);
      }
    }
  });
});
