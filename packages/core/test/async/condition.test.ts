import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Condition } from "../../src/async/condition.js";
import { Lock } from "../../src/async/lock.js";
import { JuggleError } from "../../src/internal/errors.js";
import { controllerWithFirstListener, settle, track } from "./sync-helpers.js";

const notAcquired = (error: unknown) => error instanceof JuggleError && error.code === "ERR_JUGGLE_NOT_LOCKED";

describe("Condition", () => {
  it("wait(), notify() and notifyAll() without the lock are errors", async () => {
    const cond = new Condition();
    await assert.rejects(cond.wait(), notAcquired);
    assert.throws(() => cond.notify(), notAcquired);
    assert.throws(() => cond.notifyAll(), notAcquired);
    assert.throws(() => cond.notify(), { message: "Cannot notify Condition as its lock is not acquired" });
    await assert.rejects(cond.waitFor(() => false), {
      message: "Cannot wait on Condition as its lock is not acquired",
    });
  });

  it("rejects a bad lock, n or predicate", async () => {
    assert.throws(() => new Condition({} as never), {
      name: "TypeError",
      message: "Cannot create Condition as 'lock' must be a Lock: received an object",
    });
    const cond = new Condition();
    await cond.acquire();
    assert.throws(() => cond.notify(-1), {
      name: "RangeError",
      message: "Cannot notify Condition as 'n' must be a non-negative integer or Infinity: received -1",
    });
    assert.throws(() => cond.notify(Number.NaN), RangeError);
    await assert.rejects(cond.waitFor("yes" as never), {
      name: "TypeError",
      message: "Cannot wait on Condition as 'predicate' must be a function: received \"yes\"",
    });
    // Refused even when the predicate already holds and no wait is needed.
    await assert.rejects(cond.waitFor(() => true, { signal: 3 as never }), {
      name: "TypeError",
      message: "Cannot wait on Condition as 'signal' must be an AbortSignal: received 3",
    });
  });

  it("wait() releases the lock, and returns holding it after notify() once the notifier releases", async () => {
    const cond = new Condition();
    await cond.acquire();
    const waiter = track(cond.wait());
    assert.equal(cond.locked, false);
    assert.equal(cond.waiting, 1);
    await cond.acquire();
    cond.notify();
    await settle();
    assert.equal(waiter.state, "pending"); // waits for the lock
    cond.release();
    await settle();
    assert.equal(waiter.state, "fulfilled");
    assert.equal(cond.locked, true);
    cond.release();
  });

  it("notify(n) wakes n waiters in FIFO order; notifyAll() the rest", async () => {
    const cond = new Condition();
    const order: number[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      cond.withLock(async () => {
        await cond.wait();
        order.push(i);
      }),
    );
    await settle();
    assert.equal(cond.waiting, 5);
    await cond.withLock(() => cond.notify(2));
    await settle();
    assert.deepEqual(order, [0, 1]);
    await cond.withLock(() => cond.notify(0));
    await settle();
    assert.deepEqual(order, [0, 1]);
    await cond.withLock(() => cond.notifyAll());
    await Promise.all(tasks);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(cond.locked, false);
  });

  it("notify() with nobody waiting does nothing", async () => {
    const cond = new Condition();
    await cond.withLock(() => {
      cond.notify(3);
      cond.notifyAll();
    });
    assert.equal(cond.waiting, 0);
  });

  it("waitFor() checks the predicate first and after each notification", async () => {
    const cond = new Condition();
    const items: string[] = [];
    let checks = 0;
    const consumer = cond.withLock(() =>
      cond.waitFor(() => {
        checks++;
        return items.length >= 2 && items.join("+");
      }),
    );
    await settle();
    await cond.withLock(() => {
      items.push("a");
      cond.notify();
    });
    await settle();
    await cond.withLock(() => {
      items.push("b");
      cond.notify();
    });
    assert.equal(await consumer, "a+b");
    assert.equal(checks, 3);
    assert.equal(await cond.withLock(() => cond.waitFor(() => "ready")), "ready");
  });

  it("can share one lock between conditions", async () => {
    const lock = new Lock();
    const notEmpty = new Condition(lock);
    const notFull = new Condition(lock);
    await notEmpty.acquire();
    assert.equal(notFull.locked, true);
    assert.equal(lock.locked, true);
    notFull.release();
    assert.equal(lock.locked, false);
  });

  it("lock() returns a disposable handle", async () => {
    const cond = new Condition();
    {
      await using _held = await cond.lock();
      assert.equal(cond.locked, true);
      assert.equal(cond.tryAcquire(), false);
    }
    assert.equal(cond.locked, false);
  });

  describe("cancellation", () => {
    it("acquire(), lock() and withLock() waiting for the lock reject with the reason", async () => {
      const cond = new Condition();
      await cond.acquire();
      const controller = new AbortController();
      const signal = controller.signal;
      const waits = [track(cond.acquire({ signal })), track(cond.lock({ signal })), track(cond.withLock(() => 1, { signal }))];
      controller.abort("gone");
      await settle();
      assert.deepEqual(
        waits.map((w) => [w.state, w.reason]),
        [
          ["rejected", "gone"],
          ["rejected", "gone"],
          ["rejected", "gone"],
        ],
      );
      cond.release();
      assert.equal(cond.locked, false);
    });

    it("an already-aborted signal rejects at once, keeping the lock held", async () => {
      const cond = new Condition();
      await cond.acquire();
      await assert.rejects(cond.wait({ signal: AbortSignal.abort("no") }), (e) => e === "no");
      assert.equal(cond.locked, true);
      assert.equal(cond.waiting, 0);
      cond.release();
    });

    it("an abort while waiting rejects only once the lock is taken back", async () => {
      const cond = new Condition();
      const controller = new AbortController();
      await cond.acquire();
      let lockedAtRejection: boolean | undefined;
      const waiter = track(
        cond.wait({ signal: controller.signal }).catch((reason) => {
          lockedAtRejection = cond.locked;
          throw reason;
        }),
      );
      await cond.acquire(); // another task holds the lock
      controller.abort("gone");
      assert.equal(cond.waiting, 0);
      await settle();
      assert.equal(waiter.state, "pending"); // waiting for the lock
      cond.release();
      await settle();
      assert.deepEqual([waiter.state, waiter.reason, lockedAtRejection], ["rejected", "gone", true]);
      cond.release(); // the aborted waiter's finally
      assert.equal(cond.locked, false);
    });

    it("an aborted waiter does not use up a notify()", async () => {
      const cond = new Condition();
      const controller = new AbortController();
      const woken: string[] = [];
      const a = cond.withLock(async () => {
        await cond.wait({ signal: controller.signal });
        woken.push("a");
      });
      const b = cond.withLock(async () => {
        await cond.wait();
        woken.push("b");
      });
      await settle();
      controller.abort("gone");
      await assert.rejects(a, (e) => e === "gone");
      await cond.withLock(() => cond.notify(1));
      await b;
      assert.deepEqual(woken, ["b"]);
      assert.equal(cond.locked, false);
    });

    it("a notify() from the signal's earlier listener goes to the next live waiter", async () => {
      const cond = new Condition();
      const controller = controllerWithFirstListener(() => cond.notify(1));
      const woken: string[] = [];
      const a = track(
        cond.withLock(async () => {
          await cond.wait({ signal: controller.signal });
          woken.push("a");
        }),
      );
      const b = cond.withLock(async () => {
        await cond.wait();
        woken.push("b");
      });
      await settle();
      await cond.acquire();
      controller.abort("gone"); // notify(1) runs before the waiter's own listener
      cond.release();
      await b;
      await settle();
      assert.deepEqual([a.state, a.reason], ["rejected", "gone"]);
      assert.deepEqual(woken, ["b"]);
      assert.equal(cond.locked, false);
    });

    it("a waiter notified before the abort returns normally", async () => {
      const cond = new Condition();
      const controller = new AbortController();
      await cond.acquire();
      const waiter = track(cond.wait({ signal: controller.signal }));
      await cond.acquire();
      cond.notify();
      controller.abort("late");
      cond.release();
      await settle();
      assert.equal(waiter.state, "fulfilled");
      assert.equal(cond.locked, true);
      cond.release();
    });

    it("waitFor() aborted while waiting rejects holding the lock", async () => {
      const cond = new Condition();
      const controller = new AbortController();
      const run = track(
        cond.withLock(async () => {
          try {
            await cond.waitFor(() => false, { signal: controller.signal });
          } finally {
            assert.equal(cond.locked, true);
          }
        }),
      );
      await settle();
      controller.abort("gone");
      await settle();
      assert.deepEqual([run.state, run.reason], ["rejected", "gone"]);
      assert.equal(cond.locked, false);
    });
  });
});
