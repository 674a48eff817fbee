import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeShared, encodeShared } from "../../src/internal/shareable.js";
import { BoundedSemaphore, Semaphore, Value } from "../../src/shared-memory/index.js";
import { start } from "./fixtures/run.js";

describe("Semaphore", () => {
  it("never lets more than its value in at once (2 threads + main, value 2)", async () => {
    const sem = new Semaphore(2);
    const inside = new Value("int32", 0);
    const maxInside = new Value("int32", 0);
    const a = start("semaphoreStress", sem, inside, maxInside, 50_000);
    const b = start("semaphoreStress", sem, inside, maxInside, 50_000);
    // The main thread takes one permit now and then, so the workers contend for one.
    for (let i = 0; i < 200; i++) {
      assert.equal(await sem.acquire({ timeout: 10_000 }), true);
      const now = inside.add(1) + 1;
      if (now > maxInside.value) maxInside.value = now;
      inside.sub(1);
      sem.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([a.result, b.result, a.exited, b.exited]);
    assert.equal(sem.value, 2);
    assert.ok(maxInside.value <= 2, `at most 2 inside, saw ${maxInside.value}`);
    assert.equal(inside.value, 0);
  });

  it("acquire() times out with false when no permit comes", async () => {
    const sem = new Semaphore(0);
    assert.equal(await sem.acquire({ timeout: 5 }), false);
    assert.equal(sem.tryAcquire(), false);
  });

  it("an aborted acquire() takes no permit and does not swallow a release", async () => {
    const sem = new Semaphore(0);
    const controller = new AbortController();
    const aborted = sem.acquire({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(aborted, { message: "stop" });
    const next = sem.acquire({ timeout: 10_000 });
    sem.release();
    assert.equal(await next, true);
    assert.equal(sem.value, 0);
    sem.release();
    assert.equal(sem.value, 1, "the aborted waiter left no claim on later permits");
  });

  it("rejects a negative value with a clear message", () => {
    assert.throws(() => new Semaphore(-1), {
      name: "RangeError",
      message: /^Cannot create Semaphore as 'value' must be a non-negative integer.*: received -1$/,
    });
  });
});

describe("BoundedSemaphore", () => {
  it("stays bounded when it travels to another thread", async () => {
    const copy = await decodeShared(encodeShared(new BoundedSemaphore(1)));
    assert.ok(copy instanceof BoundedSemaphore);
    assert.throws(() => copy.release(), { code: "ERR_JUGGLE_RELEASED_TOO_OFTEN" });
    const plain = await decodeShared(encodeShared(new Semaphore(1)));
    assert.ok(!(plain instanceof BoundedSemaphore));
    plain.release();
    assert.equal(plain.value, 2);
  });

  it("refuses to be released above its initial value", async () => {
    const sem = new BoundedSemaphore(1);
    assert.throws(() => sem.release(), { code: "ERR_JUGGLE_RELEASED_TOO_OFTEN", message: /released too many times/ });
    assert.equal(await sem.acquire(), true);
    sem.release();
    assert.equal(sem.value, 1);
  });
});
