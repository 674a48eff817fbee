import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { tasks } from "juggle-core";
import { type RedisServer, startRedisServer } from "juggle-testing/redis-server";
import { RedisPool } from "../src/index.js";
import { startWorker } from "./workers.js";

// The core tests' .ts fixture, loaded from its source (tsc never compiles it):
// packages/redis/dist/test → packages/core/test/pool/fixtures-ts.
const moduleUrl = new URL("../../../core/test/pool/fixtures-ts/tasks.ts", import.meta.url);
const t = tasks<{ quadruple(x: number): number }>(moduleUrl);
const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);

let server: RedisServer;
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await server.stop();
});

test(
  stripsTypes
    ? "juggle worker runs a .ts task module that imports a sibling .ts module"
    : "juggle worker refuses a .ts task module with an error naming the file and the Node it needs",
  async () => {
    const args = ["--tasks", fileURLToPath(moduleUrl), "--queue", "typescript-tasks"];
    if (!stripsTypes) {
      await assert.rejects(startWorker(server.url, args), (e: unknown) => {
        assert.match((e as Error).message, /tasks\.ts as Node v[\d.]+ does not strip TypeScript types: run it on Node 22\.18 or later/);
        return true;
      });
      return;
    }
    const worker = await startWorker(server.url, args);
    try {
      await using pool = new RedisPool({ connection: server.url, queue: "typescript-tasks" });
      assert.equal(await pool.submit(t.quadruple, 5), 20);
    } finally {
      assert.equal(await worker.stop(), 0);
    }
  },
);
