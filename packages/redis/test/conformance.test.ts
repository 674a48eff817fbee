/**
 * RedisPool against the executor contract every pool meets
 * (`juggle-testing/conformance`), payload contract included: one redis-server
 * and one `juggle worker` process with two slots (the suite's "two workers")
 * running the pool fixtures, a queue of its own.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { Redis } from "ioredis";
import { RedisPool } from "../src/index.js";
import { executorConformance, tasksModule } from "juggle-testing/conformance";
import { type RedisServer, startRedisServer } from "juggle-testing/redis-server";
import { startWorker, type WorkerProcess } from "./workers.js";

const QUEUE = "conformance";
const poolTasks = fileURLToPath(tasksModule);

let redis: RedisServer;
let worker: WorkerProcess;

before(async () => {
  redis = await startRedisServer();
  worker = await startWorker(redis.url, ["--tasks", poolTasks, "--queue", QUEUE, "--concurrency", "2"]);
});

after(async () => {
  const code = await worker.stop();
  // Every job the suite queued has been collected or removed: no job is left in Redis.
  const client = new Redis(redis.url);
  try {
    const counts = await Promise.all(
      ["wait", "active", "delayed", "prioritized"].map((state) =>
        state === "wait" ? client.llen(`juggle:${QUEUE}:wait`) : state === "active" ? client.llen(`juggle:${QUEUE}:active`) : client.zcard(`juggle:${QUEUE}:${state}`),
      ),
    );
    assert.deepEqual(counts, [0, 0, 0, 0], "no job waits or runs after the suite");
  } finally {
    client.disconnect();
    await redis.stop();
  }
  assert.equal(code, 0, `worker exited with ${code}: ${worker.output()}`);
});

executorConformance("RedisPool", { isolated: false, sharedMemory: false, workerOptions: false, remote: true }, (options) => {
  // The suite's `workers` is the worker process's concurrency here; the pool takes only `trace`.
  return new RedisPool({ connection: redis.url, queue: QUEUE, trace: options?.trace, reconcileInterval: 200 });
});
