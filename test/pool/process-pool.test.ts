import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkerCrashedError } from "../../src/internal/errors.js";
import { ProcessPool } from "../../src/pool/process-pool.js";
import { executorConformance, t } from "./conformance.js";

executorConformance("ProcessPool", { isolated: true, sharedMemory: false, workerOptions: true }, (options) => new ProcessPool(options));

describe("ProcessPool", () => {
  it("a worker process killed with SIGKILL fails only its task (Python's Pool leaves it pending)", async () => {
    await using pool = new ProcessPool({ workers: 2 });
    const killed = pool.submit(t.killSelf, "SIGKILL");
    const others = Array.from({ length: 6 }, (_, i) => pool.submit(t.square, i));
    await assert.rejects(killed, (e: unknown) => {
      assert.ok(e instanceof WorkerCrashedError);
      assert.equal(e.signal, "SIGKILL");
      assert.equal(e.exitCode, null);
      return true;
    });
    assert.deepEqual(await Promise.all(others), [0, 1, 4, 9, 16, 25]);
  });

  it("workers are separate processes", async () => {
    await using pool = new ProcessPool({ workers: 1 });
    const who = await pool.submit(t.whoami);
    assert.notEqual(who.split(":")[0], String(process.pid));
  });
});
