import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkerCrashedError } from "../../src/internal/errors.js";
import { ThreadPool } from "../../src/pool/thread-pool.js";
import { executorConformance, t } from "juggle-testing/conformance";

executorConformance("ThreadPool", { isolated: true, sharedMemory: true, workerOptions: true }, (options) => new ThreadPool(options));

describe("ThreadPool", () => {
  it("a worker over its resourceLimits fails only its task and is replaced", async () => {
    await using pool = new ThreadPool({ workers: 1, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    await assert.rejects(pool.submit(t.allocate), (e: unknown) => {
      assert.ok(e instanceof WorkerCrashedError);
      assert.match(e.message, /while running task 'allocate'/);
      return true;
    });
    assert.equal(await pool.submit(t.square, 5), 25);
  });

  it("transfer moves an ArrayBuffer to the worker", async () => {
    await using pool = new ThreadPool({ workers: 1 });
    const buffer = new ArrayBuffer(64);
    assert.equal(await pool.run(t.byteLength, [buffer], { transfer: [buffer] }), 64);
    assert.equal(buffer.byteLength, 0, "the buffer was detached from the caller");
  });

  it("one transfer buffer given to several tasks moves to the first; the others are rejected saying so", async () => {
    await using pool = new ThreadPool({ workers: 2 });
    const buffer = new ArrayBuffer(64);
    const [first, second] = await Promise.allSettled([
      pool.run(t.byteLength, [buffer], { transfer: [buffer] }),
      pool.run(t.byteLength, [buffer], { transfer: [buffer] }),
    ]);
    assert.deepEqual(first, { status: "fulfilled", value: 64 });
    assert.equal(second?.status, "rejected");
    assert.ok((second as PromiseRejectedResult).reason instanceof TypeError);
    assert.match((second as PromiseRejectedResult).reason.message, /already moved .* a buffer can be transferred once/);
  });

  it("refuses a non-object resourceLimits", () => {
    assert.throws(() => new ThreadPool({ resourceLimits: 5 as never }), { name: "TypeError", message: /'resourceLimits'/ });
  });
});
