import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { sleep } from "../../src/async/sleep.js";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("sleep", () => {
  it("resolves once the time has passed, not before", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    let done = false;
    const pending = sleep(100).then(() => {
      done = true;
    });
    t.mock.timers.tick(99);
    await Promise.resolve();
    assert.equal(done, false);
    t.mock.timers.tick(1);
    await pending;
    assert.equal(done, true);
  });

  it("rejects with the signal's reason when aborted, and leaves no timer behind", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    // A 10-minute timer left running would keep this test file's process alive.
    const pending = sleep(600_000, { signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const reason = new Error("already");
    await assert.rejects(sleep(600_000, { signal: AbortSignal.abort(reason) }), (error) => error === reason);
  });

  it("keeps the caller's AsyncLocalStorage context", async () => {
    const als = new AsyncLocalStorage<string>();
    const seen = await als.run("caller", async () => {
      await sleep(1);
      return als.getStore();
    });
    assert.equal(seen, "caller");
  });

  it("refuses bad durations with an error naming 'ms'", () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => sleep(bad), { name: "RangeError", message: /'ms' must be a non-negative number of milliseconds: received/ });
    }
    assert.throws(() => sleep("10" as unknown as number), { name: "TypeError", message: /'ms'.*received "10"/ });
    assert.throws(() => sleep(1, { signal: {} as AbortSignal }), { name: "TypeError", message: /'signal'/ });
  });

  it("does not resolve early under a flush of the event loop", async () => {
    const controller = new AbortController();
    let done = false;
    const pending = sleep(600_000, { signal: controller.signal }).then(
      () => {
        done = true;
      },
      () => {},
    );
    await flush();
    assert.equal(done, false);
    controller.abort();
    await pending;
  });
});
