/**
 * Failures must be true: a task that never started is never failed nor
 * charged a retry when its worker dies, a finished task delivers its result
 * even if its worker dies before reporting it, and a crash names what it hit.
 * Each kill happens at a known point (before the worker could start anything,
 * or by the task itself), never at a random time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WorkerCrashedError } from "../../src/internal/errors.js";
import { tasks } from "../../src/executor/task.js";
import { ProcessPool } from "../../src/pool/process-pool.js";
import { ThreadPool } from "../../src/pool/thread-pool.js";
import { t } from "juggle-testing/conformance";

const g = tasks<typeof import("./fixtures/pool-tasks.js")>(new URL("./fixtures/pool-tasks.js", import.meta.url));

function pidOf(pool: ProcessPool): number {
  const ids = pool.stats().workers.map((w) => w.id);
  assert.equal(ids.length, 1, `one worker: ${ids.join(", ")}`);
  return Number((ids[0] as string).replace("process-", ""));
}

describe("ProcessPool: a worker killed before it started a task", () => {
  it("killed while it boots: the queued task runs on a new worker, uncharged (retries 0)", async () => {
    await using pool = new ProcessPool({ workers: 1 });
    const result = pool.submit(g.where);
    await Promise.resolve(); // the pool dispatches, and starts its worker, on the next microtask
    const booting = pidOf(pool);
    process.kill(booting, "SIGKILL");
    const ran = await result;
    assert.notEqual(ran, booting);
    assert.equal(pool.stats().failed, 0);
  });

  it("killed while idle, just before a task is sent to it: the task runs on a new worker", async () => {
    await using pool = new ProcessPool({ workers: 1 });
    const idle = await pool.submit(g.where);
    // Dead before the pool hears of it: the pool sends the task to a worker that cannot start it.
    process.kill(idle, "SIGKILL");
    const result = pool.submit(g.where);
    const ran = await result;
    assert.notEqual(ran, idle);
    assert.equal(pool.stats().failed, 0);
  });

  it("a task that kills its own worker is still charged: it fails without retries", async () => {
    await using pool = new ProcessPool({ workers: 1 });
    await assert.rejects(pool.submit(t.killSelf, "SIGKILL"), (e: unknown) => {
      assert.ok(e instanceof WorkerCrashedError);
      assert.match(e.message, /killed by signal SIGKILL while running task 'killSelf'/);
      return true;
    });
  });
});

describe("ThreadPool: a worker that dies after finishing tasks it had not reported", () => {
  it("delivers their results; only the task that ended the thread fails", async () => {
    await using pool = new ThreadPool({ workers: 1 });
    // Measured tiny tasks, with the task already loaded in the worker: the pool
    // sends the next 21 jobs in one message, which the worker runs back to back.
    await Promise.all(Array.from({ length: 20_000 }, (_, i) => pool.submit(g.exitAt, i, -1)));
    const finished = Array.from({ length: 20 }, (_, i) => pool.submit(g.exitAt, i, -1));
    const exit = pool.submit(g.exitAt, 45, 45);
    assert.deepEqual(
      await Promise.all(finished),
      Array.from({ length: 20 }, (_, i) => i),
    );
    await assert.rejects(exit, (e: unknown) => {
      assert.ok(e instanceof WorkerCrashedError);
      assert.match(e.message, /exited with code 3 while running task 'exitAt'/);
      return true;
    });
  });
});

describe("crash errors name what they hit", () => {
  for (const [name, make] of [
    ["ThreadPool", () => new ThreadPool({ workers: 1 })],
    ["ProcessPool", () => new ProcessPool({ workers: 1 })],
  ] as const) {
    it(`${name}: a chunk lost with its worker names its item range, with no unrelated cause`, async () => {
      await using pool = make();
      const items = Array.from({ length: 100 }, (_, i) => i);
      await assert.rejects(pool.map(g.exitAt, items, { chunksize: 20 }), (e: unknown) => {
        assert.ok(e instanceof WorkerCrashedError);
        assert.match(e.message, /task 'exitAt' \(items 40–59\)/);
        assert.doesNotMatch(String((e as Error).cause ?? ""), /EPIPE/);
        return true;
      });
    });
  }
});
