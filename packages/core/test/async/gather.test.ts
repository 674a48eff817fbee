import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { gather } from "../../src/async/gather.js";
import { sleep } from "../../src/async/sleep.js";
import { deferred } from "../../src/internal/deferred.js";

describe("gather", () => {
  it("returns results in input order, whatever order they finish in", async () => {
    const a = deferred<string>();
    const b = deferred<number>();
    const pending = gather([a.promise, b.promise, "plain", async () => true] as const);
    b.resolve(2);
    a.resolve("a");
    const result = await pending;
    assert.deepEqual(result, ["a", 2, "plain", true]);
    const typed: [string, number, string, boolean] = result; // tuple types survive
    assert.equal(typed.length, 4);
  });

  it("resolves an empty list to an empty array", async () => {
    assert.deepEqual(await gather([]), []);
  });

  it("rejects with the first failure and aborts the other function items", async () => {
    const boom = new Error("boom");
    let siblingReason: unknown;
    const late = deferred<number>();
    const pending = gather([
      (signal: AbortSignal) =>
        sleep(600_000, { signal }).catch((error) => {
          siblingReason = error;
          throw error;
        }),
      Promise.reject(boom),
      late.promise,
    ]);
    await assert.rejects(pending, (error) => error === boom);
    late.reject(new Error("later failure is handled, not unhandled"));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal((siblingReason as Error).name, "CancelledError");
    assert.equal((siblingReason as Error & { cause: unknown }).cause, boom);
  });

  it("with returnExceptions puts each failure in place and aborts nothing", async () => {
    const boom = new Error("boom");
    let aborted = false;
    const result = await gather(
      [
        Promise.reject(boom),
        async (signal: AbortSignal) => {
          await Promise.resolve();
          aborted = signal.aborted;
          return "ok";
        },
        Promise.reject("a string"),
      ],
      { returnExceptions: true },
    );
    assert.equal(result[0], boom);
    assert.equal(result[1], "ok");
    assert.ok(result[2] instanceof Error);
    assert.equal((result[2] as Error).cause, "a string");
    assert.equal(aborted, false);
  });

  it("an outer signal aborts the work and rejects with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("outer");
    const seen = deferred<unknown>();
    const pending = gather([(signal: AbortSignal) => sleep(600_000, { signal }).catch((e) => seen.resolve(e))], {
      signal: controller.signal,
    });
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    assert.equal(((await seen.promise) as Error).name, "CancelledError");
  });

  it("calls function items in the caller's AsyncLocalStorage context", async () => {
    const als = new AsyncLocalStorage<number>();
    const seen = await als.run(5, () => gather([async () => als.getStore(), async () => als.getStore()]));
    assert.deepEqual(seen, [5, 5]);
  });

  it("refuses a non-iterable with a TypeError naming 'work'", () => {
    assert.throws(() => gather(42 as unknown as []), { name: "TypeError", message: /'work' must be an iterable: received 42/ });
    assert.throws(() => gather([], { signal: "no" as unknown as AbortSignal }), { name: "TypeError", message: /'signal'/ });
  });
});
