import assert from "node:assert/strict";
import { test } from "node:test";
import { RedisPool } from "../../src/distributed/index.js";
import { tasks } from "../../src/pool/task.js";
import { startRedisServer } from "./redis-server.js";
import { startWorker, tasksModule } from "./workers.js";

const t = tasks<typeof import("./fixtures/tasks.js")>(tasksModule);

test("smoke", async () => {
  const redis = await startRedisServer();
  const worker = await startWorker(redis.url, ["--queue", "smoke"]);
  try {
    const pool = new RedisPool({ connection: redis.url, queue: "smoke" });
    assert.equal(await pool.submit(t.square, 3), 9);
    assert.deepEqual(await pool.map(t.square, [1, 2, 3, 4, 5], { chunksize: 2 }), [1, 4, 9, 16, 25]);
    await pool.terminate();
  } finally {
    await worker.stop();
    console.log(worker.output());
    await redis.stop();
  }
});
