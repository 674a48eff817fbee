import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { Batcher } from "../../src/async/batcher.js";
import { sleep } from "../../src/async/sleep.js";
import { timeout, waitFor } from "../../src/async/timeout.js";
import { t } from "juggle-testing/conformance";
import { TimeoutError } from "../../src/internal/errors.js";
import { clearLongTimeout, setLongTimeout, TIMER_MAX } from "../../src/internal/long-timer.js";
import { InlineExecutor } from "../../src/pool/inline-executor.js";
import { Event } from "../../src/shared-memory/index.js";

const DAY = 24 * 3600 * 1000;
const MONTH = 30 * DAY;

function mockTimers(t: TestContext): void {
  t.mock.timers.enable({ apis: ["setTimeout"] });
}

/**
 * Advances mocked time in steps of at most TIMER_MAX: node:test's mock sets
 * its clock to the end of a tick before running the timers due, so a timer
 * armed by one of them would count from the end of a longer tick.
 */
function advance(tc: TestContext, ms: number): void {
  for (let left = ms; left > 0; left -= TIMER_MAX) tc.mock.timers.tick(Math.min(left, TIMER_MAX));
}

/** Lets pending reactions run (mocked timers do not touch setImmediate). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Follows a promise's state without awaiting it. */
function watch(promise: Promise<unknown>): { state: string; value?: unknown } {
  const seen: { state: string; value?: unknown } = { state: "pending" };
  promise.then(
    (value) => Object.assign(seen, { state: "resolved", value }),
    (value: unknown) => Object.assign(seen, { state: "rejected", value }),
  );
  return seen;
}

describe("setLongTimeout", () => {
  it("fires a delay beyond 2^31 − 1 ms at its end, not after 1 ms", (tc) => {
    mockTimers(tc);
    let fired = 0;
    setLongTimeout(() => fired++, TIMER_MAX + 10);
    advance(tc, 2);
    assert.equal(fired, 0);
    advance(tc, TIMER_MAX - 2);
    advance(tc, 9);
    assert.equal(fired, 0, "fired before the whole delay had passed");
    advance(tc, 1);
    assert.equal(fired, 1);
  });

  it("passes its arguments, and a delay that fits is a plain timer", (tc) => {
    mockTimers(tc);
    const got: number[] = [];
    setLongTimeout((a: number, b: number) => got.push(a, b), 5, 1, 2);
    setLongTimeout((a: number) => got.push(a), 3 * TIMER_MAX, 3);
    advance(tc, 5);
    assert.deepEqual(got, [1, 2]);
    advance(tc, 3 * TIMER_MAX);
    assert.deepEqual(got, [1, 2, 3]);
  });

  it("is cleared by clearLongTimeout at any link of the chain, and never fires for Infinity", (tc) => {
    mockTimers(tc);
    let fired = 0;
    const early = setLongTimeout(() => fired++, 2 * TIMER_MAX);
    const late = setLongTimeout(() => fired++, 2 * TIMER_MAX);
    const never = setLongTimeout(() => fired++, Number.POSITIVE_INFINITY);
    clearLongTimeout(early);
    advance(tc, TIMER_MAX + 1);
    clearLongTimeout(late);
    clearLongTimeout(undefined);
    advance(tc, 10 * TIMER_MAX);
    assert.equal(fired, 0);
    assert.equal(never.hasRef(), false, "a timer that never fires holds nothing");
  });

  it("stays unref'd across the links of its chain", (tc) => {
    mockTimers(tc);
    const timer = setLongTimeout(() => {}, 2 * TIMER_MAX).unref();
    assert.equal(timer.hasRef(), false);
    advance(tc, TIMER_MAX + 1);
    assert.equal(timer.hasRef(), false);
    timer.ref();
    assert.equal(timer.hasRef(), true);
    clearLongTimeout(timer);
  });
});

describe("durations of 30 days", () => {
  it("timeout() and waitFor() do not reject early, and reject at the end", async (tc) => {
    mockTimers(tc);
    const a = watch(timeout(MONTH, () => new Promise(() => {})));
    const b = watch(waitFor(new Promise(() => {}), MONTH));
    advance(tc, 2);
    await settle();
    assert.equal(a.state, "pending");
    assert.equal(b.state, "pending");
    advance(tc, MONTH);
    await settle();
    assert.ok(a.value instanceof TimeoutError);
    assert.ok(b.value instanceof TimeoutError);
  });

  it("sleep() lasts the whole 30 days", async (tc) => {
    mockTimers(tc);
    const s = watch(sleep(MONTH));
    advance(tc, MONTH - 1);
    await settle();
    assert.equal(s.state, "pending");
    advance(tc, 1);
    await settle();
    assert.equal(s.state, "resolved");
  });

  it("Batcher waits its whole delay before sending a partial batch", async (tc) => {
    mockTimers(tc);
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>({ delay: MONTH, handler: async (items) => (batches.push(items), items) });
    const r = watch(batcher.add(1));
    advance(tc, 2);
    await settle();
    assert.deepEqual(batches, []);
    advance(tc, MONTH);
    await settle();
    assert.deepEqual(batches, [[1]]);
    assert.equal(r.value, 1);
    await batcher.close();
  });

  it("an executor's run timeout and AsyncResult.get/wait wait the whole 30 days; Infinity means no limit", async (tc) => {
    mockTimers(tc);
    await using pool = new InlineExecutor();
    await pool.submit(t.noop); // the task module is loaded
    const job = watch(pool.run(t.waitForAbort, [], { timeout: MONTH }));
    const unlimited = watch(pool.run(t.waitForAbort, [], { timeout: Number.POSITIVE_INFINITY }));
    const result = pool.applyAsync(t.waitForAbort, []);
    const got = watch(result.get(MONTH));
    const waited = watch(result.wait(MONTH));
    const gotForever = watch(result.get(Number.POSITIVE_INFINITY));
    advance(tc, 2);
    await settle();
    for (const s of [job, got, waited]) assert.equal(s.state, "pending");
    advance(tc, MONTH);
    await settle();
    assert.ok(job.value instanceof TimeoutError, `run: ${String(job.value)}`);
    assert.ok(got.value instanceof TimeoutError);
    assert.equal(waited.state, "resolved");
    assert.equal(unlimited.state, "pending");
    assert.equal(gotForever.state, "pending");
    await pool.terminate(); // aborts the tasks still waiting
  });

  it("a shared-memory Event.wait({ timeout }) returns false only at the end", async (tc) => {
    mockTimers(tc);
    const event = new Event();
    const w = watch(event.wait({ timeout: MONTH }));
    advance(tc, 2);
    await settle();
    assert.equal(w.state, "pending");
    advance(tc, MONTH);
    await settle();
    assert.equal(w.value, false);
  });
});
