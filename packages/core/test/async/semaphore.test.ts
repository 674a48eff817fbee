import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoundedSemaphore, Semaphore } from "../../src/async/semaphore.js";
import { deferred } from "../../src/internal/deferred.js";
import { JuggleError } from "../../src/internal/errors.js";
import { controllerWithFirstListener, settle, stateOf, track } from "./sync-helpers.js";

describe("Semaphore", () => {
  it("rejects a bad value, naming it", () => {
    for (const [value, name, received] of [
      [-1, "RangeError", "-1"],
      [Number.NaN, "RangeError", "NaN"],
      [1.5, "RangeError", "1.5"],
      [Number.POSITIVE_INFINITY, "RangeError", "Infinity"],
      ["2", "TypeError", '"2"'],
      [null, "TypeError", "null"],
    ] as const) {
      assert.throws(() => new Semaphore(value as number), {
        name,
        message: `Cannot create Semaphore as 'value' must be a non-negative integer: received ${received}`,
      });
    }
    assert.throws(() => new BoundedSemaphore(-2), {
      name: "RangeError",
      message: "Cannot create BoundedSemaphore as 'value' must be a non-negative integer: received -2",
    });
  });

  it("counts permits: acquire() takes one, release() gives one back", async () => {
    const sem = new Semaphore(2);
    assert.equal(sem.value, 2);
    await sem.acquire();
    assert.equal(sem.value, 1);
    assert.equal(sem.tryAcquire(), true);
    assert.equal(sem.value, 0);
    assert.equal(sem.locked, true);
    assert.equal(sem.tryAcquire(), false);
    sem.release();
    sem.release();
    assert.equal(sem.value, 2);
    assert.equal(new Semaphore().value, 1);
  });

  it("does not allocate a promise when a permit is free", () => {
    const sem = new Semaphore(2);
    assert.equal(sem.acquire(), sem.acquire());
  });

  it("a plain Semaphore may be released above its start value", () => {
    const sem = new Semaphore(0);
    sem.release();
    sem.release();
    assert.equal(sem.value, 2);
  });

  it("runs exactly N holders at once with a limit of N", async () => {
    const sem = new Semaphore(3);
    const gates = Array.from({ length: 10 }, () => deferred<void>());
    let running = 0;
    let peak = 0;
    const all = gates.map((gate) =>
      sem.withPermit(async () => {
        peak = Math.max(peak, ++running);
        await gate.promise;
        running--;
      }),
    );
    await settle();
    assert.equal(running, 3);
    assert.equal(sem.waiting, 7);
    for (const gate of gates) {
      gate.resolve();
      await settle();
      assert.ok(running <= 3);
    }
    await Promise.all(all);
    assert.equal(peak, 3);
    assert.equal(sem.value, 3);
  });

  it("serves waiters in FIFO order and hands permits over (value stays 0)", async () => {
    const sem = new Semaphore(0);
    const order: number[] = [];
    const waiters = [0, 1, 2, 3].map((i) => sem.acquire().then(() => order.push(i)));
    for (let i = 0; i < 4; i++) {
      sem.release();
      assert.equal(sem.value, 0);
      assert.equal(sem.tryAcquire(), false);
      await settle();
    }
    await Promise.all(waiters);
    assert.deepEqual(order, [0, 1, 2, 3]);
    sem.release();
    assert.equal(sem.value, 1);
  });

  it("withPermit() returns fn's result and releases when fn throws", async () => {
    const sem = new Semaphore(1);
    assert.equal(await sem.withPermit(async () => "done"), "done");
    await assert.rejects(
      sem.withPermit(() => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(sem.value, 1);
    await assert.rejects(sem.withPermit(null as never), {
      name: "TypeError",
      message: "Cannot run Semaphore.withPermit as 'fn' must be a function: received null",
    });
    assert.equal(sem.value, 1);
  });

  it("withPermit() calls fn at once when a permit is free, and after a release otherwise", async () => {
    const sem = new Semaphore(1);
    const calls: string[] = [];
    const first = sem.withPermit(() => {
      calls.push("first");
    });
    const second = sem.withPermit(() => {
      calls.push("second");
    });
    assert.deepEqual(calls, ["first"]);
    await first;
    await second;
    assert.deepEqual(calls, ["first", "second"]);
    await assert.rejects(sem.withPermit(() => 1, { signal: 3 as never }), {
      name: "TypeError",
      message: "Cannot acquire Semaphore as 'signal' must be an AbortSignal: received 3",
    });
    assert.equal(sem.value, 1);
  });

  describe("cancellation", () => {
    it("an already-aborted signal rejects with its reason and takes no permit", async () => {
      const sem = new Semaphore(1);
      const reason = new Error("stop");
      await assert.rejects(sem.acquire({ signal: AbortSignal.abort(reason) }), (e) => e === reason);
      assert.equal(sem.value, 1);
      await assert.rejects(
        sem.withPermit(() => 1, { signal: AbortSignal.abort(reason) }),
        (e) => e === reason,
      );
      assert.equal(sem.value, 1);
    });

    it("an aborted waiter leaves the queue and the next permit goes to the next waiter", async () => {
      const sem = new Semaphore(0);
      const controller = new AbortController();
      const first = track(sem.acquire());
      const aborted = track(sem.acquire({ signal: controller.signal }));
      const last = track(sem.acquire());
      assert.equal(sem.waiting, 3);
      controller.abort("gone");
      assert.equal(sem.waiting, 2);
      await settle();
      assert.deepEqual([aborted.state, aborted.reason], ["rejected", "gone"]);
      sem.release();
      sem.release();
      await settle();
      assert.equal(first.state, "fulfilled");
      assert.equal(last.state, "fulfilled");
      sem.release();
      assert.equal(sem.value, 1);
    });

    it("a permit released in the abort's own tick passes to the next waiter, not lost", async () => {
      const sem = new Semaphore(1);
      await sem.acquire();
      const controller = controllerWithFirstListener(() => sem.release());
      const aborted = track(sem.acquire({ signal: controller.signal }));
      const next = track(sem.acquire());
      controller.abort("gone");
      await settle();
      assert.equal(aborted.state, "rejected");
      assert.equal(next.state, "fulfilled");
      assert.equal(sem.value, 0);
      sem.release();
      assert.equal(sem.value, 1);
    });

    it("a permit released in the abort's own tick returns to the count when nobody else waits", async () => {
      const sem = new BoundedSemaphore(1);
      await sem.acquire();
      const controller = controllerWithFirstListener(() => sem.release());
      const aborted = track(sem.acquire({ signal: controller.signal }));
      controller.abort("gone");
      await settle();
      assert.equal(aborted.state, "rejected");
      assert.equal(sem.value, 1);
    });

    it("a permit handed over before the abort stays with its waiter", async () => {
      const sem = new Semaphore(0);
      const controller = new AbortController();
      const waiter = sem.acquire({ signal: controller.signal });
      sem.release();
      controller.abort("late");
      assert.equal(await stateOf(waiter), "fulfilled");
      assert.equal(sem.value, 0);
    });

    it("withPermit() aborted while waiting does not run fn", async () => {
      const sem = new Semaphore(0);
      const controller = new AbortController();
      let ran = false;
      const p = track(
        sem.withPermit(() => {
          ran = true;
        }, { signal: controller.signal }),
      );
      controller.abort("gone");
      sem.release();
      await settle();
      assert.deepEqual([p.state, p.reason, ran, sem.value], ["rejected", "gone", false, 1]);
    });
  });
});

describe("BoundedSemaphore", () => {
  it("refuses a release beyond its bound, naming the bound", async () => {
    const sem = new BoundedSemaphore(3);
    assert.equal(sem.bound, 3);
    await sem.acquire();
    sem.release();
    assert.throws(
      () => sem.release(),
      (error: unknown) =>
        error instanceof JuggleError &&
        error.code === "ERR_JUGGLE_RELEASED_TOO_OFTEN" &&
        error.message ===
          "Cannot release BoundedSemaphore as its value would exceed its bound of 3: released more often than acquired",
    );
    assert.equal(sem.value, 3);
  });

  it("counts permits handed to waiters as held", async () => {
    const sem = new BoundedSemaphore(1);
    await sem.acquire();
    const waiter = sem.acquire();
    sem.release(); // to the waiter
    await waiter;
    sem.release(); // back to the count
    assert.equal(sem.value, 1);
    assert.throws(() => sem.release(), JuggleError);
  });

  it("a bound of 0 can never be released", () => {
    const sem = new BoundedSemaphore(0);
    assert.throws(() => sem.release(), /bound of 0/);
  });

  it("is a Semaphore", () => {
    assert.ok(new BoundedSemaphore(2) instanceof Semaphore);
  });
});
