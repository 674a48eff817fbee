import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Barrier } from "../../src/async/barrier.js";
import { deferred } from "../../src/internal/deferred.js";
import { BrokenBarrierError } from "../../src/internal/errors.js";
import { controllerWithFirstListener, settle, track } from "./sync-helpers.js";

describe("Barrier", () => {
  it("rejects bad parties and action, naming them", () => {
    for (const [parties, name, received] of [
      [0, "RangeError", "0"],
      [-1, "RangeError", "-1"],
      [2.5, "RangeError", "2.5"],
      [Number.NaN, "RangeError", "NaN"],
      ["3", "TypeError", '"3"'],
    ] as const) {
      assert.throws(() => new Barrier(parties as number), {
        name,
        message: `Cannot create Barrier as 'parties' must be a positive integer: received ${received}`,
      });
    }
    assert.throws(() => new Barrier(2, { action: "go" as never }), {
      name: "TypeError",
      message: "Cannot create Barrier as 'action' must be a function: received \"go\"",
    });
  });

  it("releases every party when the last arrives, with arrival indexes", async () => {
    const barrier = new Barrier(3);
    assert.equal(barrier.parties, 3);
    const a = track(barrier.wait());
    const b = track(barrier.wait());
    await settle();
    assert.equal(barrier.nWaiting, 2);
    assert.deepEqual([a.state, b.state], ["pending", "pending"]);
    const c = await barrier.wait();
    await settle();
    assert.deepEqual([a.value, b.value, c], [0, 1, 2]);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });

  it("is cyclic: it can be used again after passing", async () => {
    const barrier = new Barrier(2);
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(await Promise.all([barrier.wait(), barrier.wait()]), [0, 1]);
    }
  });

  it("with one party every wait() passes at once", async () => {
    const barrier = new Barrier(1);
    assert.equal(await barrier.wait(), 0);
    assert.equal(await barrier.wait(), 0);
  });

  it("runs the action once per cycle, before any party is released", async () => {
    const log: string[] = [];
    const barrier = new Barrier(2, { action: () => log.push("action") });
    const all = [0, 1].map((i) => barrier.wait().then((index) => log.push(`party ${i} -> ${index}`)));
    await Promise.all(all);
    assert.deepEqual(log, ["action", "party 0 -> 0", "party 1 -> 1"]);
    await Promise.all([barrier.wait(), barrier.wait()]);
    assert.equal(log.filter((x) => x === "action").length, 2);
  });

  it("awaits an async action; new arrivals meanwhile start the next cycle", async () => {
    const gate = deferred<void>();
    const barrier = new Barrier(2, { action: () => gate.promise });
    const a = track(barrier.wait());
    const b = track(barrier.wait());
    const next = track(barrier.wait());
    await settle();
    assert.deepEqual([a.state, b.state, next.state], ["pending", "pending", "pending"]);
    assert.equal(barrier.nWaiting, 1);
    gate.resolve();
    await settle();
    assert.deepEqual([a.value, b.value, next.state], [0, 1, "pending"]);
    const last = barrier.wait();
    assert.equal(await last, 1);
    assert.equal(next.value, 0);
  });

  it("a failing action breaks the barrier: the last party gets the error, the others BrokenBarrierError", async () => {
    const boom = new Error("boom");
    const barrier = new Barrier(2, {
      action: () => {
        throw boom;
      },
    });
    const first = track(barrier.wait());
    await assert.rejects(barrier.wait(), (e) => e === boom);
    await settle();
    assert.equal(first.state, "rejected");
    assert.ok(first.reason instanceof BrokenBarrierError);
    assert.equal((first.reason as Error).cause, boom);
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
  });

  it("abort() breaks it for waiting and later parties until reset()", async () => {
    const barrier = new Barrier(3);
    const a = track(barrier.wait());
    await settle();
    barrier.abort();
    await settle();
    assert.equal(a.state, "rejected");
    assert.ok(a.reason instanceof BrokenBarrierError);
    assert.equal(barrier.broken, true);
    assert.equal(barrier.nWaiting, 0);
    await assert.rejects(barrier.wait(), {
      name: "BrokenBarrierError",
      code: "ERR_JUGGLE_BROKEN_BARRIER",
      message: "Cannot wait on Barrier as it is broken",
    });
    barrier.reset();
    assert.equal(barrier.broken, false);
    assert.deepEqual(await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]), [0, 1, 2]);
  });

  it("reset() rejects the waiting parties and starts a fresh cycle", async () => {
    const barrier = new Barrier(2);
    const a = track(barrier.wait());
    await settle();
    barrier.reset();
    await settle();
    assert.ok(a.reason instanceof BrokenBarrierError);
    assert.equal(barrier.broken, false);
    assert.deepEqual(await Promise.all([barrier.wait(), barrier.wait()]), [0, 1]);
  });

  it("abort() during an async action breaks that cycle too", async () => {
    const gate = deferred<void>();
    const barrier = new Barrier(2, { action: () => gate.promise });
    const a = track(barrier.wait());
    const b = track(barrier.wait());
    await settle();
    barrier.abort();
    gate.resolve();
    await settle();
    assert.ok(a.reason instanceof BrokenBarrierError);
    assert.ok(b.reason instanceof BrokenBarrierError);
  });

  describe("cancellation", () => {
    it("an already-aborted signal rejects with its reason and does not arrive", async () => {
      const barrier = new Barrier(2);
      await assert.rejects(barrier.wait({ signal: AbortSignal.abort("no") }), (e) => e === "no");
      assert.equal(barrier.nWaiting, 0);
    });

    it("an aborted party leaves without breaking the barrier", async () => {
      const barrier = new Barrier(3);
      const controller = new AbortController();
      const a = track(barrier.wait());
      const gone = track(barrier.wait({ signal: controller.signal }));
      controller.abort("gone");
      await settle();
      assert.deepEqual([gone.state, gone.reason], ["rejected", "gone"]);
      assert.equal(barrier.nWaiting, 1);
      assert.equal(barrier.broken, false);
      const b = track(barrier.wait());
      await settle();
      assert.equal(b.state, "pending");
      const c = await barrier.wait();
      await settle();
      assert.deepEqual([a.value, b.value, c], [0, 1, 2]);
    });

    it("a party arriving from the signal's earlier listener does not count the aborted party", async () => {
      const barrier = new Barrier(2);
      let arriving: ReturnType<typeof track<number>> | undefined;
      const controller = controllerWithFirstListener(() => {
        arriving = track(barrier.wait());
      });
      const gone = track(barrier.wait({ signal: controller.signal }));
      controller.abort("gone");
      await settle();
      assert.equal(gone.state, "rejected");
      assert.equal(arriving?.state, "pending");
      assert.equal(barrier.nWaiting, 1);
      assert.equal(await barrier.wait(), 1);
      await settle();
      assert.equal(arriving?.value, 0);
    });

    it("parties released before an abort keep their index", async () => {
      const barrier = new Barrier(2);
      const controller = new AbortController();
      const a = track(barrier.wait({ signal: controller.signal }));
      const b = barrier.wait();
      controller.abort("late");
      assert.equal(await b, 1);
      await settle();
      assert.deepEqual([a.state, a.value], ["fulfilled", 0]);
    });
  });
});
