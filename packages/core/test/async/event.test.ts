import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Event } from "../../src/async/event.js";
import { settle, track } from "./sync-helpers.js";

describe("Event", () => {
  it("starts unset; set() and clear() flip isSet", () => {
    const event = new Event();
    assert.equal(event.isSet, false);
    event.set();
    assert.equal(event.isSet, true);
    event.set();
    assert.equal(event.isSet, true);
    event.clear();
    assert.equal(event.isSet, false);
  });

  it("wait() waits until set() and then every waiter resumes", async () => {
    const event = new Event();
    const waiters = [track(event.wait()), track(event.wait()), track(event.wait())];
    await settle();
    assert.deepEqual(
      waiters.map((w) => w.state),
      ["pending", "pending", "pending"],
    );
    event.set();
    await settle();
    assert.deepEqual(
      waiters.map((w) => w.state),
      ["fulfilled", "fulfilled", "fulfilled"],
    );
  });

  it("wait() on a set event resolves at once; after clear() it waits again", async () => {
    const event = new Event();
    event.set();
    await event.wait();
    event.clear();
    const again = track(event.wait());
    await settle();
    assert.equal(again.state, "pending");
    event.set();
    await settle();
    assert.equal(again.state, "fulfilled");
  });

  it("wakes waiters in the order they came", async () => {
    const event = new Event();
    const order: number[] = [];
    const all = [0, 1, 2].map((i) => event.wait().then(() => order.push(i)));
    event.set();
    await Promise.all(all);
    assert.deepEqual(order, [0, 1, 2]);
  });

  describe("cancellation", () => {
    it("an already-aborted signal rejects with its reason, even when set", async () => {
      const event = new Event();
      event.set();
      await assert.rejects(event.wait({ signal: AbortSignal.abort("no") }), (e) => e === "no");
    });

    it("an aborted waiter rejects with the reason and the others still wake", async () => {
      const event = new Event();
      const controller = new AbortController();
      const aborted = track(event.wait({ signal: controller.signal }));
      const other = track(event.wait());
      controller.abort("gone");
      await settle();
      assert.deepEqual([aborted.state, aborted.reason, other.state], ["rejected", "gone", "pending"]);
      event.set();
      await settle();
      assert.equal(other.state, "fulfilled");
    });

    it("a set() from an earlier abort listener of the same signal does not resolve the aborted waiter", async () => {
      const event = new Event();
      const controller = new AbortController();
      controller.signal.addEventListener("abort", () => event.set(), { once: true });
      const aborted = track(event.wait({ signal: controller.signal }));
      controller.abort("gone");
      await settle();
      assert.deepEqual([aborted.state, aborted.reason], ["rejected", "gone"]);
    });

    it("an abort after set() does not take the wake-up back", async () => {
      const event = new Event();
      const controller = new AbortController();
      const waiter = track(event.wait({ signal: controller.signal }));
      event.set();
      controller.abort("late");
      await settle();
      assert.equal(waiter.state, "fulfilled");
    });
  });

  it("rejects a bad signal", () => {
    assert.throws(() => new Event().wait({ signal: {} as never }), {
      name: "TypeError",
      message: "Cannot wait on Event as 'signal' must be an AbortSignal: received an object",
    });
  });
});
