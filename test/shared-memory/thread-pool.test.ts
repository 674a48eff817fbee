import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tasks, ThreadPool } from "../../src/pool/index.js";
import { Lock, Value } from "../../src/shared-memory/index.js";

const t = tasks<typeof import("./fixtures/pool-tasks.js")>(new URL("./fixtures/pool-tasks.js", import.meta.url));

describe("shared-memory objects as ThreadPool task arguments", () => {
  it("a Lock and a Value arrive as working objects over the same memory", async () => {
    const pool = new ThreadPool({ workers: 2 });
    try {
      const lock = new Lock();
      const counter = new Value("int32", 0);
      assert.deepEqual(await pool.submit(t.kindOf, lock, counter), ["Lock", "Value"]);
      const done = await Promise.all([
        pool.submit(t.incrementUnderLock, lock, counter, 100_000),
        pool.submit(t.incrementUnderLock, lock, counter, 100_000),
      ]);
      assert.deepEqual(done, [100_000, 100_000]);
      assert.equal(counter.value, 200_000);
      assert.equal(lock.locked, false);
    } finally {
      pool.close();
      await pool.join();
    }
  });
});
