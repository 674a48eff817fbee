/**
 * Life cycle: shared memory, stats, tracing, close/join and terminate.
 * Part of the executor contract suite (`juggle-testing/conformance`).
 */
import assert from "node:assert/strict";
import { CancelledError, ExecutorClosedError, TraceRecorder } from "juggle-core";
import { Value } from "juggle-core/shared-memory";
import { it } from "node:test";
import { type Suite, t, waitUntil } from "./context.js";

export function lifecycleContract({ caps, make, two }: Suite): void {
  if (caps.sharedMemory) {
    it("shared-memory objects arrive as working objects", async () => {
      await using ex = two();
      const counter = new Value("int32", 0);
      await Promise.all(Array.from({ length: 10 }, () => ex.submit(t.addTo, counter as never, 1)));
      assert.equal(counter.load(), 10);
    });
  }

  it("stats() counts submitted, completed, failed, queued and running tasks", async () => {
    await using ex = two();
    await ex.map(t.square, [1, 2, 3], { chunksize: 1 });
    await assert.rejects(ex.submit(t.fail, "x"));
    const stats = ex.stats();
    assert.equal(stats.submitted, 4);
    assert.equal(stats.completed, 3);
    assert.equal(stats.failed, 1);
    assert.equal(stats.queued, 0);
    assert.equal(stats.running, 0);
    assert.ok(stats.workers.length >= 1);
    for (const w of stats.workers) assert.ok(w.utilisation >= 0 && w.utilisation <= 1);
    assert.equal(
      stats.workers.reduce((n, w) => n + w.tasks, 0),
      4,
    );
  });

  it("trace records each task's times and worker", async () => {
    const trace = new TraceRecorder();
    await using ex = make({ workers: 2, trace });
    await Promise.all([ex.submit(t.square, 1), ex.submit(t.later, 2, 1)]);
    await assert.rejects(ex.submit(t.fail, "traced"));
    assert.equal(ex.trace, trace);
    assert.equal(trace.events.length, 3);
    for (const e of trace.events) {
      assert.ok(e.startedAt <= e.endedAt);
      assert.notEqual(e.worker, "none");
    }
    assert.deepEqual(
      trace.events.map((e) => [e.name, e.ok]).sort(),
      [
        ["fail", false],
        ["later", true],
        ["square", true],
      ],
    );
  });

  it("close() lets accepted tasks finish, refuses new ones, and join() waits for both", async () => {
    const ex = two();
    await assert.rejects(ex.join(), /still open: call close\(\)/);
    const accepted = [ex.submit(t.later, 1, 5), ex.submit(t.square, 2)];
    ex.close();
    await assert.rejects(ex.submit(t.square, 1), ExecutorClosedError);
    assert.throws(() => ex.applyAsync(t.square, [1]), ExecutorClosedError);
    await ex.join();
    assert.deepEqual(await Promise.all(accepted), [1, 4]);
    // Workers of their own have exited; an executor that runs tasks on the
    // caller's thread may still list that thread.
    if (caps.isolated) assert.equal(ex.stats().workers.length, 0, "every worker exited");
  });

  it("terminate() rejects queued and running tasks with CancelledError", async () => {
    const ex = make({ workers: 1 });
    // A remote worker is not stopped by terminate(): give it a task that ends on abort.
    const running = ex.submit(caps.remote ? t.waitForAbort : t.hang);
    const queued = ex.submit(t.square, 1);
    await waitUntil(() => (caps.remote ? ex.stats().queued === 0 : ex.stats().running === 1), "the task runs");
    // A remote worker with a free slot may have run the "queued" task already.
    const queuedOutcome = caps.remote
      ? queued.then(
          (v) => assert.equal(v, 1),
          (e: unknown) => assert.ok(e instanceof CancelledError, String(e)),
        )
      : assert.rejects(queued, CancelledError);
    const outcomes = [assert.rejects(running, CancelledError), queuedOutcome];
    await ex.terminate();
    await Promise.all(outcomes);
    await assert.rejects(ex.submit(t.square, 1), ExecutorClosedError);
    if (caps.isolated) assert.equal(ex.stats().workers.length, 0);
  });
}
