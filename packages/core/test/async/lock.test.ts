import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Lock } from "../../src/async/lock.js";
import { JuggleError } from "../../src/internal/errors.js";
import { controllerWithFirstListener, settle, stateOf, track } from "./sync-helpers.js";

describe("Lock", () => {
  it("is taken by acquire() when free and freed by release()", async () => {
    const lock = new Lock();
    assert.equal(lock.locked, false);
    await lock.acquire();
    assert.equal(lock.locked, true);
    lock.release();
    assert.equal(lock.locked, false);
  });

  it("does not allocate a promise when free", () => {
    const lock = new Lock();
    const first = lock.acquire();
    lock.release();
    assert.equal(lock.acquire(), first);
    lock.release();
  });

  it("tryAcquire() takes a free lock and refuses a held one", () => {
    const lock = new Lock();
    assert.equal(lock.tryAcquire(), true);
    assert.equal(lock.tryAcquire(), false);
    lock.release();
    assert.equal(lock.tryAcquire(), true);
  });

  it("release() of an unlocked lock throws ERR_JUGGLE_NOT_LOCKED", () => {
    const lock = new Lock();
    assert.throws(
      () => lock.release(),
      (error: unknown) =>
        error instanceof JuggleError &&
        error.code === "ERR_JUGGLE_NOT_LOCKED" &&
        error.message === "Cannot release Lock as it is not acquired",
    );
  });

  it("serves waiters in FIFO order, handing the lock over without a gap", async () => {
    const lock = new Lock();
    await lock.acquire();
    const order: number[] = [];
    const waiters = [0, 1, 2, 3, 4].map((i) => lock.acquire().then(() => order.push(i)));
    for (let i = 0; i < 5; i++) {
      lock.release();
      // Handed over: nobody can barge in between.
      assert.equal(lock.locked, true);
      assert.equal(lock.tryAcquire(), false);
      await settle();
      assert.deepEqual(order, [0, 1, 2, 3, 4].slice(0, i + 1));
    }
    await Promise.all(waiters);
    lock.release();
    assert.equal(lock.locked, false);
  });

  it("withLock() makes a critical section exclusive", async () => {
    const lock = new Lock();
    let counter = 0;
    let inside = 0;
    let peak = 0;
    const increment = () =>
      lock.withLock(async () => {
        peak = Math.max(peak, ++inside);
        const seen = counter;
        await settle();
        counter = seen + 1;
        inside--;
      });
    await Promise.all(Array.from({ length: 10 }, increment));
    assert.equal(counter, 10);
    assert.equal(peak, 1);
    assert.equal(lock.locked, false);
  });

  it("withLock() returns the result and releases when fn throws", async () => {
    const lock = new Lock();
    assert.equal(await lock.withLock(() => 42), 42);
    await assert.rejects(
      lock.withLock(async () => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(lock.locked, false);
    assert.throws(() => lock.release(), JuggleError);
  });

  it("withLock() refuses a non-function", async () => {
    const lock = new Lock();
    await assert.rejects(lock.withLock(42 as never), {
      name: "TypeError",
      message: "Cannot run withLock as 'fn' must be a function: received 42",
    });
    assert.equal(lock.locked, false);
  });

  it("lock() returns a handle that releases once with await using", async () => {
    const lock = new Lock();
    {
      await using handle = await lock.lock();
      assert.equal(lock.locked, true);
      handle.release();
      assert.equal(lock.locked, false);
      await lock.acquire(); // someone else holds it now
    }
    // Disposing a released handle did not release the other holder's lock.
    assert.equal(lock.locked, true);
    lock.release();
    {
      using _sync = await lock.lock();
      assert.equal(lock.locked, true);
    }
    assert.equal(lock.locked, false);
  });

  describe("cancellation", () => {
    it("an already-aborted signal rejects with its reason and leaves the lock alone", async () => {
      const lock = new Lock();
      const reason = new Error("stop");
      await assert.rejects(lock.acquire({ signal: AbortSignal.abort(reason) }), (e) => e === reason);
      assert.equal(lock.locked, false);
      await lock.acquire();
      await assert.rejects(lock.acquire({ signal: AbortSignal.abort(reason) }), (e) => e === reason);
      lock.release();
      assert.equal(lock.locked, false);
    });

    it("an aborted waiter rejects with the reason and is skipped by release()", async () => {
      const lock = new Lock();
      await lock.acquire();
      const controller = new AbortController();
      const aborted = track(lock.acquire({ signal: controller.signal }));
      const next = track(lock.acquire());
      controller.abort("gone");
      await settle();
      assert.equal(aborted.state, "rejected");
      assert.equal(aborted.reason, "gone");
      lock.release();
      await settle();
      assert.equal(next.state, "fulfilled");
      lock.release();
      assert.equal(lock.locked, false);
    });

    it("a lock released by the signal's earlier listener goes to the next live waiter", async () => {
      const lock = new Lock();
      await lock.acquire();
      const controller = controllerWithFirstListener(() => lock.release());
      const aborted = track(lock.acquire({ signal: controller.signal }));
      const next = track(lock.acquire());
      controller.abort("gone");
      await settle();
      assert.equal(aborted.state, "rejected");
      assert.equal(next.state, "fulfilled");
      lock.release();
      assert.equal(lock.locked, false);
    });

    it("a lock handed over before the abort stays with its waiter", async () => {
      const lock = new Lock();
      await lock.acquire();
      const controller = new AbortController();
      const waiter = lock.acquire({ signal: controller.signal });
      lock.release();
      controller.abort("late");
      assert.equal(await stateOf(waiter), "fulfilled");
      assert.equal(lock.locked, true);
      lock.release();
    });

    it("withLock() and lock() reject with the reason when aborted while waiting", async () => {
      const lock = new Lock();
      await lock.acquire();
      const controller = new AbortController();
      let ran = false;
      const a = track(
        lock.withLock(() => {
          ran = true;
        }, { signal: controller.signal }),
      );
      const b = track(lock.lock({ signal: controller.signal }));
      controller.abort("gone");
      await settle();
      assert.deepEqual([a.state, a.reason, b.state, b.reason], ["rejected", "gone", "rejected", "gone"]);
      assert.equal(ran, false);
      lock.release();
      assert.equal(lock.locked, false);
    });
  });

  it("rejects bad options", () => {
    const lock = new Lock();
    assert.throws(() => lock.acquire({ signal: "no" as never }), {
      name: "TypeError",
      message: "Cannot acquire Lock as 'signal' must be an AbortSignal: received \"no\"",
    });
    assert.throws(() => lock.acquire(5 as never), {
      name: "TypeError",
      message: "Cannot acquire Lock as 'options' must be an object: received 5",
    });
    assert.equal(lock.locked, false);
  });
});
