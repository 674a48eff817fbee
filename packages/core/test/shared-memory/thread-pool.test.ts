import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProcessPool, tasks, ThreadPool } from "../../src/pool/index.js";
import { Lock, Manager, Value } from "../../src/shared-memory/index.js";

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

describe("Manager proxies as ProcessPool task arguments", () => {
  it("child processes put into a manager Queue and count in a manager Value", async () => {
    await using manager = await Manager.start();
    const queue = manager.queue<number>();
    const done = manager.value(0);
    const pool = new ProcessPool({ workers: 2 });
    try {
      const pids = await Promise.all([1, 2, 3, 4].map((n) => pool.submit(t.putSquare, queue, done, n)));
      assert.ok(pids.every((pid) => pid !== process.pid), "ran in child processes");
    } finally {
      pool.close();
      await pool.join();
    }
    assert.equal(await done.load(), 4);
    await queue.close();
    const got: number[] = [];
    for await (const x of queue) got.push(x);
    assert.deepEqual(got.sort((a, b) => a - b), [1, 4, 9, 16]);
  });
});
