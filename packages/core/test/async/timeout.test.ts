import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { sleep } from "../../src/async/sleep.js";
import { timeout, waitFor } from "../../src/async/timeout.js";
import { deferred } from "../../src/internal/deferred.js";
import { TimeoutError } from "../../src/internal/errors.js";

describe("timeout", () => {
  it("returns the work's result when it finishes in time", async () => {
    assert.equal(await timeout(1000, Promise.resolve(7)), 7);
    assert.equal(await timeout(1000, async () => "fn"), "fn");
    assert.equal(await timeout(Number.POSITIVE_INFINITY, async () => "forever"), "forever");
  });

  it("passes the work's own failure through", async () => {
    const boom = new Error("boom");
    await assert.rejects(timeout(1000, Promise.reject(boom)), (error) => error === boom);
    await assert.rejects(
      timeout(1000, () => {
        throw boom;
      }),
      (error) => error === boom,
    );
  });

  it("rejects with TimeoutError and aborts the running work through its signal", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const seen = deferred<unknown>();
    const pending = timeout(50, (signal) => {
      const { promise, reject } = deferred<string>();
      signal.addEventListener("abort", () => {
        seen.resolve(signal.reason);
        reject(signal.reason);
      });
      return promise;
    });
    t.mock.timers.tick(50);
    await assert.rejects(pending, (error) => error instanceof TimeoutError && error.code === "ERR_JUGGLE_TIMEOUT");
    const reason = await seen.promise;
    assert.ok(reason instanceof TimeoutError, "the work saw the TimeoutError as its abort reason");
  });

  it("leaves a plain promise behind without an unhandled rejection", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const late = deferred<number>();
    const pending = timeout(10, late.promise);
    t.mock.timers.tick(10);
    await assert.rejects(pending, TimeoutError);
    late.reject(new Error("late failure")); // handled inside timeout(): the run's strict mode would fail otherwise
    await new Promise<void>((resolve) => setImmediate(resolve));
  });

  it("an outer signal aborts the work and rejects with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("outer");
    let aborted: unknown;
    const pending = timeout(
      600_000,
      (signal) =>
        sleep(600_000, { signal }).catch((error) => {
          aborted = error;
          throw error;
        }),
      { signal: controller.signal },
    );
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(aborted, reason);
  });

  it("waitFor takes Python's argument order", async (t) => {
    assert.equal(await waitFor(Promise.resolve("ok"), 1000), "ok");
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const pending = waitFor((signal) => sleep(100, { signal }), 5);
    t.mock.timers.tick(5);
    await assert.rejects(pending, TimeoutError);
  });

  it("keeps the caller's AsyncLocalStorage context in the work and after it", async () => {
    const als = new AsyncLocalStorage<string>();
    await als.run("caller", async () => {
      const inside = await timeout(1000, async () => {
        await Promise.resolve();
        return als.getStore();
      });
      assert.equal(inside, "caller");
      assert.equal(als.getStore(), "caller");
    });
  });

  it("refuses bad input with errors naming the argument", () => {
    assert.throws(() => timeout(-5, Promise.resolve()), { name: "RangeError", message: /'ms'.*received -5/ });
    assert.throws(() => timeout(Number.NaN, Promise.resolve()), { name: "RangeError", message: /'ms'.*received NaN/ });
    assert.throws(() => timeout("1" as unknown as number, Promise.resolve()), { name: "TypeError", message: /'ms'/ });
    assert.throws(() => timeout(1, 42 as unknown as Promise<number>), { name: "TypeError", message: /'work' must be a promise or a function: received 42/ });
  });
});
