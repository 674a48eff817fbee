import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Barrier, SharedArray } from "../../src/shared-memory/index.js";
import { run, start } from "./fixtures/run.js";

describe("Barrier", () => {
  it("releases two workers and the main thread together, 200 rounds in a row", async () => {
    const rounds = 200;
    const barrier = new Barrier(3);
    const arrivals = new SharedArray("int32", rounds);
    const a = start<number>("barrierRounds", barrier, rounds, arrivals);
    const b = start<number>("barrierRounds", barrier, rounds, arrivals);
    let bad = 0;
    for (let r = 0; r < rounds; r++) {
      Atomics.add(arrivals.array, r, 1);
      await barrier.wait({ timeout: 10_000 });
      if (Atomics.load(arrivals.array, r) !== 3) bad++;
    }
    assert.deepEqual(await Promise.all([a.result, b.result]), [0, 0]);
    await Promise.all([a.exited, b.exited]);
    assert.equal(bad, 0);
    assert.equal(barrier.waiting, 0);
  });

  it("a timed-out wait breaks the barrier for everyone until reset()", async () => {
    const barrier = new Barrier(2);
    await assert.rejects(barrier.wait({ timeout: 5 }), { name: "BrokenBarrierError" });
    assert.equal(barrier.broken, true);
    assert.equal(await run("barrierWaitCode", barrier, 10_000), "ERR_JUGGLE_BROKEN_BARRIER");
    barrier.reset();
    assert.equal(barrier.broken, false);
    const w = start<string>("barrierWaitCode", barrier, 10_000);
    const mine = await barrier.wait({ timeout: 10_000 });
    const theirs = Number(await w.result);
    await w.exited;
    assert.deepEqual([mine, theirs].sort(), [0, 1]);
  });

  it("abort() wakes a waiting worker with BrokenBarrierError", async () => {
    const barrier = new Barrier(2);
    const w = start<string>("barrierWaitCode", barrier, 10_000);
    while (barrier.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    barrier.abort();
    assert.equal(await w.result, "ERR_JUGGLE_BROKEN_BARRIER");
    await w.exited;
  });

  it("reset() while a worker waits gives it BrokenBarrierError and leaves the barrier usable", async () => {
    const barrier = new Barrier(2);
    const w = start<string>("barrierWaitCode", barrier, 10_000);
    while (barrier.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
    barrier.reset();
    assert.equal(await w.result, "ERR_JUGGLE_BROKEN_BARRIER");
    await w.exited;
    assert.equal(barrier.broken, false);
    assert.equal(barrier.waiting, 0);
  });

  it("an aborted wait() withdraws its arrival and does not break the barrier", async () => {
    const barrier = new Barrier(2);
    const controller = new AbortController();
    const waiting = barrier.wait({ signal: controller.signal });
    assert.equal(barrier.waiting, 1);
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, { message: "stop" });
    assert.equal(barrier.waiting, 0);
    assert.equal(barrier.broken, false);
  });
});
