import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { WorkerCrashedError } from "../../src/internal/errors.js";
import { ProcessPool } from "../../src/pool/process-pool.js";
import { executorConformance, t } from "juggle-testing/conformance";

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

  it("a worker whose parent is killed with SIGKILL stops instead of running on as an orphan", async () => {
    const script = fileURLToPath(new URL("./fixtures/orphan-parent.js", import.meta.url));
    const parent = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    // The worker inherits the parent's stdout: the pipe closes once both have exited.
    const closed = new Promise<void>((resolve) => parent.stdout.once("close", resolve));
    let output = "";
    const started = new Promise<number>((resolve) => {
      parent.stdout.on("data", (chunk) => {
        output += chunk;
        const match = /started (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
    });
    const worker = await started;
    parent.kill("SIGKILL");
    let timer: NodeJS.Timeout | undefined;
    const gone = await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 30_000); // a safety net, not an ordering
      }),
    ]);
    clearTimeout(timer);
    if (!gone) process.kill(worker, "SIGKILL");
    assert.equal(gone, true, "the worker process outlived its killed parent");
  });

  it("workers are separate processes", async () => {
    await using pool = new ProcessPool({ workers: 1 });
    const who = await pool.submit(t.whoami);
    assert.notEqual(who.split(":")[0], String(process.pid));
  });
});
