import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { asCompleted } from "../../src/async/as-completed.js";
import { sleep } from "../../src/async/sleep.js";
import { deferred } from "../../src/internal/deferred.js";

describe("asCompleted", () => {
  it("yields results in completion order", async () => {
    const items = [deferred<string>(), deferred<string>(), deferred<string>()];
    const seen: string[] = [];
    const loop = (async () => {
      for await (const value of asCompleted(items.map((d) => d.promise))) {
        seen.push(value);
        // finish the next one only once this one was handed over
        if (value === "c") items[0].resolve("a");
        if (value === "a") items[1].resolve("b");
      }
    })();
    items[2].resolve("c");
    await loop;
    assert.deepEqual(seen, ["c", "a", "b"]);
  });

  it("ends at once on empty input", async () => {
    const seen: unknown[] = [];
    for await (const value of asCompleted([])) seen.push(value);
    assert.deepEqual(seen, []);
  });

  it("throws a failure at its turn and aborts the work still running", async () => {
    const boom = new Error("boom");
    const aborted = deferred<unknown>();
    const failing = deferred<never>();
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const value of asCompleted([
          Promise.resolve(1),
          (signal: AbortSignal) => sleep(600_000, { signal }).catch((error) => aborted.resolve(error)),
          failing.promise,
        ])) {
          seen.push(value as number);
          failing.reject(boom); // fails only once the first result was taken
        }
      })(),
      (error) => error === boom,
    );
    assert.deepEqual(seen, [1]);
    assert.equal(((await aborted.promise) as Error).name, "CancelledError");
  });

  it("leaving the loop early aborts the remaining work", async () => {
    const aborted = deferred<unknown>();
    for await (const value of asCompleted([
      Promise.resolve("first"),
      (signal: AbortSignal) => sleep(600_000, { signal }).catch((error) => aborted.resolve(error)),
    ])) {
      assert.equal(value, "first");
      break;
    }
    assert.equal(((await aborted.promise) as Error).name, "CancelledError");
  });

  it("an outer signal ends the iteration with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("outer");
    const iterator = asCompleted([(signal: AbortSignal) => sleep(600_000, { signal })], { signal: controller.signal });
    const next = iterator.next();
    controller.abort(reason);
    await assert.rejects(next, (error) => error === reason);
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  });

  it("calls function items in the caller's AsyncLocalStorage context", async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: unknown[] = [];
    await als.run("ctx", async () => {
      for await (const value of asCompleted([async () => als.getStore()])) seen.push(value);
    });
    assert.deepEqual(seen, ["ctx"]);
  });

  it("refuses a non-iterable with a TypeError naming 'work'", () => {
    assert.throws(() => asCompleted(null as unknown as []), { name: "TypeError", message: /'work' must be an iterable: received null/ });
  });
});
