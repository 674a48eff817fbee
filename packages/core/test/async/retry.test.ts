import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRetryAfter, retry } from "../../src/async/retry.js";

/** Lets promise callbacks run (setImmediate is not mocked). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Fails `failures` times (with `extra` own properties), then returns "ok"; records each attempt's time. */
function flaky(failures: number, extra: object = {}): { fn: (attempt: number) => string; times: number[] } {
  const times: number[] = [];
  return {
    times,
    fn: (attempt) => {
      times.push(Date.now());
      if (attempt <= failures) throw Object.assign(new Error(`fail ${attempt}`), extra);
      return "ok";
    },
  };
}

/** Advances the mocked clock in `step` ms increments until `promise` settles. */
async function drive<T>(t: { mock: { timers: { tick(ms: number): void } } }, promise: Promise<T>, step = 1): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush();
  while (!settled) {
    t.mock.timers.tick(step);
    await flush();
  }
  return promise;
}

describe("retry", () => {
  it("refuses bad options, naming them", async () => {
    await assert.rejects(retry("x" as never), { name: "TypeError", message: "Cannot retry as 'fn' must be a function: received \"x\"" });
    await assert.rejects(retry(() => 1, { retries: -1 }), { name: "RangeError", message: /'retries' must be a non-negative integer or Infinity: received -1/ });
    await assert.rejects(retry(() => 1, { backoff: Number.NaN }), { name: "RangeError", message: /'backoff'.*NaN/ });
    await assert.rejects(retry(() => 1, { maxDelay: -5 }), { name: "RangeError", message: /'maxDelay'.*-5/ });
    await assert.rejects(retry(() => 1, { jitter: "full" as never }), { name: "TypeError", message: /'jitter' must be a boolean/ });
    await assert.rejects(retry(() => 1, { retryIf: 3 as never }), { name: "TypeError", message: /'retryIf' must be a function/ });
  });

  it("backs off exponentially up to maxDelay, then gives the last error", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
    const { fn, times } = flaky(10);
    await assert.rejects(drive(t, retry(fn, { retries: 4, backoff: 100, maxDelay: 300, jitter: false })), { message: "fail 5" });
    assert.deepEqual(times, [0, 100, 300, 600, 900]);
  });

  it("full jitter: each delay is random below the cap", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
    t.mock.method(Math, "random", () => 0.5);
    const { fn, times } = flaky(2);
    assert.equal(await drive(t, retry(fn, { backoff: 100 })), "ok");
    assert.deepEqual(times, [0, 50, 150]);
  });

  it("a retryAfter on the error wins over the backoff", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
    const { fn, times } = flaky(1, { retryAfter: 5000 });
    assert.equal(await drive(t, retry(fn, { backoff: 10, maxDelay: 20 }), 100), "ok");
    assert.deepEqual(times, [0, 5000]);
  });

  it("retryIf decides, with the error and the attempt", async () => {
    const seen: [string, number][] = [];
    const { fn } = flaky(5);
    await assert.rejects(
      retry(fn, {
        backoff: 0,
        retryIf: (error, attempt) => {
          seen.push([(error as Error).message, attempt]);
          return attempt < 2;
        },
      }),
      { message: "fail 2" },
    );
    assert.deepEqual(seen, [
      ["fail 1", 1],
      ["fail 2", 2],
    ]);
  });

  it("an abort while waiting rejects with the signal's reason and stops retrying", async () => {
    const controller = new AbortController();
    const { fn, times } = flaky(10);
    const pending = retry(fn, { backoff: 60_000, signal: controller.signal, jitter: false });
    await flush();
    controller.abort(new Error("enough"));
    await assert.rejects(pending, { message: "enough" });
    assert.equal(times.length, 1);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates as milliseconds", () => {
    assert.equal(parseRetryAfter("0"), 0);
    assert.equal(parseRetryAfter(" 120 "), 120_000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000), 6000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 1970 00:00:01 GMT", 4000), 0); // in the past
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  it("gives undefined for a malformed value and refuses a non-string", () => {
    for (const value of ["", "soon", "-3", "1.5", "2026-01-01", "Thu, 99 Foo"]) assert.equal(parseRetryAfter(value), undefined, value);
    assert.throws(() => parseRetryAfter(12 as never), {
      name: "TypeError",
      message: "Cannot parse Retry-After as 'value' must be a string: received 12",
    });
  });
});
