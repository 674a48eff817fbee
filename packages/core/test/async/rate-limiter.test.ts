import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import fc from "fast-check";
import { RateLimiter } from "../../src/async/rate-limiter.js";

/** Lets promise callbacks run (setImmediate is not mocked). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Acquires and records `[time, cost]` when the start is granted. */
function record(limiter: RateLimiter, starts: [number, number][], cost = 1, signal?: AbortSignal): Promise<void> {
  return limiter.acquire({ cost, signal }).then(() => {
    starts.push([Date.now(), cost]);
  });
}

/** Advances the mocked clock by 1 ms and lets the granted starts record themselves. */
async function step(): Promise<void> {
  mock.timers.tick(1);
  await flush();
}

/** The largest total cost started within any window [s, s + interval). */
function worstWindow(starts: [number, number][], interval: number): number {
  let worst = 0;
  for (const [s] of starts) {
    let sum = 0;
    for (const [t, c] of starts) if (t >= s && t < s + interval) sum += c;
    worst = Math.max(worst, sum);
  }
  return worst;
}

describe("RateLimiter", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it("refuses bad options, naming them", () => {
    const bad: [unknown, string, string][] = [
      [{ limit: 0, interval: 1000 }, "RangeError", "'limit' must be a positive integer: received 0"],
      [{ limit: Number.NaN, interval: 1000 }, "RangeError", "'limit' must be a positive integer: received NaN"],
      [{ limit: "3", interval: 1000 }, "TypeError", `'limit' must be a positive integer: received "3"`],
      [{ limit: 3, interval: 0 }, "RangeError", "'interval' must be a positive number of milliseconds: received 0"],
      [{ limit: 3, interval: Number.NaN }, "RangeError", "'interval' must be a positive number of milliseconds: received NaN"],
      [{ limit: 3, interval: Number.POSITIVE_INFINITY }, "RangeError", "received Infinity"],
      [{ limit: 3, interval: 10, algorithm: "leaky" }, "TypeError", `'algorithm' must be "token-bucket" or "sliding-window": received "leaky"`],
      [{ limit: 3, interval: 10, algorithm: "token-bucket", burst: 0 }, "RangeError", "'burst' must be a positive integer: received 0"],
      [{ limit: 3, interval: 10, burst: 5 }, "TypeError", `'burst' applies to the "token-bucket" algorithm only`],
      [undefined, "TypeError", "'options' must be an object: received undefined"],
    ];
    for (const [options, name, message] of bad) {
      assert.throws(() => new RateLimiter(options as never), (error: Error) => {
        assert.equal(error.name, name);
        assert.match(error.message, /^Cannot create RateLimiter as /);
        assert.ok(error.message.includes(message), error.message);
        return true;
      });
    }
  });

  it("refuses a negative, fractional or too large cost, naming it", async () => {
    const window = new RateLimiter({ limit: 3, interval: 1000 });
    const bucket = new RateLimiter({ limit: 3, interval: 1000, algorithm: "token-bucket", burst: 5 });
    await assert.rejects(window.acquire({ cost: -1 }), {
      name: "RangeError",
      message: "Cannot acquire RateLimiter as 'cost' must be a non-negative integer: received -1",
    });
    assert.throws(() => window.tryAcquire({ cost: 1.5 }), { name: "RangeError" });
    await assert.rejects(window.acquire({ cost: 4 }), {
      name: "RangeError",
      message: "Cannot acquire RateLimiter as 'cost' must be at most 'limit' (3): received 4",
    });
    await assert.rejects(bucket.run(() => 1, { cost: 6 }), {
      name: "RangeError",
      message: "Cannot acquire RateLimiter as 'cost' must be at most 'burst' (5): received 6",
    });
    await assert.rejects(window.run("no" as never), { name: "TypeError", message: /'fn' must be a function/ });
    assert.equal(window.waiting, 0);
  });

  it("sliding window: the fourth start waits until the first has left the window (by 1 ms)", async () => {
    const limiter = new RateLimiter({ limit: 3, interval: 1000 });
    const starts: [number, number][] = [];
    const all = [1, 2, 3, 4].map(() => record(limiter, starts));
    await flush();
    assert.deepEqual(
      starts.map(([t]) => t - 1_000_000),
      [0, 0, 0],
    );
    mock.timers.tick(1000);
    await flush();
    assert.equal(starts.length, 3);
    mock.timers.tick(1);
    await flush();
    assert.deepEqual(starts[3], [1_001_001, 1]);
    await Promise.all(all);
  });

  it("token bucket: a full bucket of `burst`, then `limit` per interval", async () => {
    const limiter = new RateLimiter({ limit: 2, interval: 1000, algorithm: "token-bucket", burst: 4 });
    for (let i = 0; i < 4; i++) assert.deepEqual(limiter.tryAcquire(), { ok: true });
    assert.deepEqual(limiter.tryAcquire(), { ok: false, retryAfter: 500 });
    mock.timers.tick(499);
    assert.equal(limiter.tryAcquire().ok, false);
    mock.timers.tick(1);
    assert.equal(limiter.tryAcquire().ok, true);
    const starts: [number, number][] = [];
    const waits = [record(limiter, starts, 2), record(limiter, starts, 1)];
    mock.timers.tick(999);
    await flush();
    assert.equal(starts.length, 0);
    mock.timers.tick(1);
    await flush();
    assert.deepEqual(starts, [[1_001_500, 2]]);
    mock.timers.tick(500);
    await flush();
    assert.deepEqual(starts[1], [1_002_000, 1]);
    await Promise.all(waits);
  });

  it("serves waiters in FIFO order: a costly one at the front is not overtaken", async () => {
    const limiter = new RateLimiter({ limit: 3, interval: 100 });
    assert.equal(limiter.tryAcquire({ cost: 2 }).ok, true);
    const order: string[] = [];
    const big = limiter.acquire({ cost: 3 }).then(() => order.push("big"));
    const small = limiter.acquire({ cost: 1 }).then(() => order.push("small"));
    // One unit is free, but the small waiter stays behind the big one, and
    // tryAcquire does not jump the queue either.
    assert.equal(limiter.tryAcquire().ok, false);
    await flush();
    assert.deepEqual(order, []);
    mock.timers.tick(101);
    await flush();
    assert.deepEqual(order, ["big"]);
    mock.timers.tick(101);
    await flush();
    assert.deepEqual(order, ["big", "small"]);
    await Promise.all([big, small]);
  });

  it("an aborted waiter leaves the queue and lets the next one through", async () => {
    const limiter = new RateLimiter({ limit: 3, interval: 100 });
    assert.equal(limiter.tryAcquire({ cost: 2 }).ok, true);
    const controller = new AbortController();
    const big = limiter.acquire({ cost: 3, signal: controller.signal });
    const small = limiter.acquire();
    assert.equal(limiter.waiting, 2);
    const reason = new Error("gave up");
    controller.abort(reason);
    await assert.rejects(big, reason);
    await small; // one unit was free: no time passed
    assert.equal(limiter.waiting, 0);
    const already = limiter.acquire({ signal: AbortSignal.abort(reason) });
    await assert.rejects(already, reason);
  });

  it("run() starts fn only once the limit allows, passing the signal", async () => {
    const limiter = new RateLimiter({ limit: 1, interval: 50 });
    const signal = new AbortController().signal;
    assert.equal(await limiter.run((s) => s === signal, { signal }), true);
    let ran = false;
    const second = limiter.run(() => {
      ran = true;
      return 7;
    });
    await flush();
    assert.equal(ran, false);
    mock.timers.tick(51);
    assert.equal(await second, 7);
  });

  it("works with an interval longer than Node's longest timer", async () => {
    const day = 24 * 3600 * 1000;
    const limiter = new RateLimiter({ limit: 1, interval: 30 * day });
    const starts: [number, number][] = [];
    await record(limiter, starts);
    const second = record(limiter, starts);
    mock.timers.tick(25 * day);
    await flush();
    assert.equal(starts.length, 1); // not clamped to 1 ms
    mock.timers.tick(5 * day);
    await flush();
    assert.equal(starts.length, 1);
    mock.timers.tick(1);
    await second;
    assert.equal(starts[1]?.[0], 1_000_000 + 30 * day + 1);
  });

  it("property: no window of `interval` ms ever holds more than `limit` of cost", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        fc.array(fc.record({ wait: fc.integer({ min: 0, max: 60 }), cost: fc.integer({ min: 0, max: 6 }), tryOnly: fc.boolean() }), {
          maxLength: 40,
        }),
        async (limit, interval, bucket, steps) => {
          const limiter = new RateLimiter(
            bucket ? { limit, interval, algorithm: "token-bucket", burst: limit } : { limit, interval },
          );
          const starts: [number, number][] = [];
          const pending: Promise<void>[] = [];
          for (const { wait, cost: raw, tryOnly } of steps) {
            const cost = Math.min(raw, limit);
            if (tryOnly) {
              if (limiter.tryAcquire({ cost }).ok) starts.push([Date.now(), cost]);
            } else pending.push(record(limiter, starts, cost));
            await flush();
            // One millisecond at a time while someone waits, so that each
            // start is recorded at the time it was granted.
            for (let t = 0; t < wait; t++) await step();
          }
          while (limiter.waiting > 0) await step();
          await Promise.all(pending);
          // A full bucket of `limit` plus `limit` refilled per interval: a
          // token bucket allows up to twice `limit` in one window.
          const bound = bucket ? 2 * limit : limit;
          assert.ok(worstWindow(starts, interval) <= bound, JSON.stringify(starts));
        },
      ),
      { numRuns: 150 },
    );
  });
});
