import assert from "node:assert/strict";
import { test } from "node:test";
import { Redis } from "ioredis";
import { RedisPool } from "../src/index.js";
import { tasks } from "juggle-core";
import { startRedisServer } from "juggle-testing/redis-server";
import { startWorker, tasksModule } from "./workers.js";

const t = tasks<typeof import("./fixtures/tasks.js")>(tasksModule);

test("tasks queued while redis-server restarts (append-only file on) are not lost", async () => {
  const redis = await startRedisServer({ appendonly: true });
  const pool = new RedisPool({ connection: redis.url, queue: "restart" });
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  client.on("error", () => {});
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  try {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const call = pool.map(t.square, items, { chunksize: 2 });
    const deadline = Date.now() + 10_000;
    while ((await client.llen("juggle:restart:wait")) < 20) {
      if (Date.now() > deadline) throw new Error("jobs were not queued");
      await new Promise((r) => setTimeout(r, 20));
    }
    await redis.restart();
    assert.equal(await client.llen("juggle:restart:wait"), 20);
    worker = await startWorker(redis.url, ["--queue", "restart", "--quiet"]);
    assert.deepEqual(await call, items.map((x) => x * x));
    pool.close();
    await pool.join();
    assert.equal(await client.zcard("juggle:restart:completed"), 0);
  } finally {
    await pool.terminate();
    client.disconnect();
    const code: unknown = await worker?.stop();
    await redis.stop();
    if (worker !== undefined) assert.equal(code, 0, worker.output());
  }
});
