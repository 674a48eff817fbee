/**
 * Names and log options of the Redis backend follow the one rule of every
 * option: `undefined` means the default, anything else (`null` included) must
 * be of the right type. Checked before any connection is made: no Redis
 * server is needed (the connection names a closed port).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RedisPool, RedisWorker, type RedisWorkerOptions } from "../src/index.js";
import { tasksModule } from "./workers.js";

const connection = "redis://127.0.0.1:1";

function startWith(extra: Record<string, unknown>): Promise<RedisWorker> {
  return RedisWorker.start({ connection, tasks: [tasksModule.href], ...extra } as RedisWorkerOptions);
}

describe("Redis backend options", () => {
  for (const key of ["queue", "prefix"] as const) {
    it(`RedisWorker refuses null, an empty string and ':' for '${key}', as RedisPool does`, async () => {
      for (const [value, shown] of [
        [null, "null"],
        ["", '""'],
        ["a:b", '"a:b"'],
        [7, "7"],
      ] as const) {
        const message = `must be a non-empty string without ':': received ${shown}`;
        await assert.rejects(startWith({ [key]: value }), {
          name: "TypeError",
          message: `Cannot start worker as '${key}' ${message}`,
        });
        assert.throws(() => new RedisPool({ connection, [key]: value }), {
          name: "TypeError",
          message: `Cannot create RedisPool as '${key}' ${message}`,
        });
      }
    });
  }

  it("RedisWorker refuses a null or empty 'name', and a 'log' or 'logJobs' of the wrong type", async () => {
    await assert.rejects(startWith({ name: null }), {
      name: "TypeError",
      message: "Cannot start worker as 'name' must be a non-empty string: received null",
    });
    await assert.rejects(startWith({ name: "" }), { name: "TypeError", message: /'name' must be a non-empty string: received ""$/ });
    await assert.rejects(startWith({ log: null }), { name: "TypeError", message: /'log' must be a function: received null$/ });
    await assert.rejects(startWith({ logJobs: null }), { name: "TypeError", message: /'logJobs' must be a boolean: received null$/ });
  });
});
