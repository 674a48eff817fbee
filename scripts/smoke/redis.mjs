// A RedisPool round trip through the `juggle worker` the packaging test
// started from the installed juggle-redis (tasks.ts and tasks.js loaded).
import assert from "node:assert/strict";
import { tasks } from "juggle-core";
import { RedisPool } from "juggle-redis";

const redis = process.env.JUGGLE_SMOKE_REDIS;
assert.ok(redis, "JUGGLE_SMOKE_REDIS names the Redis server");
const ts = tasks(new URL("./tasks.ts", import.meta.url));
const js = tasks(new URL("./tasks.js", import.meta.url));

const pool = new RedisPool({ connection: redis, queue: process.env.JUGGLE_SMOKE_QUEUE });
try {
  assert.equal(await pool.submit(js.triple, 4), 12);
  if (process.features.typescript) assert.equal(await pool.submit(ts.quadruple, 4), 16);
  assert.deepEqual(await pool.map(js.triple, [1, 2, 3, 4, 5]), [3, 6, 9, 12, 15]);
} finally {
  await pool.terminate();
}
console.log("RedisPool: round trip through juggle worker ok");
