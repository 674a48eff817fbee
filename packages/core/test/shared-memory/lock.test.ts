import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeShared } from "../../src/internal/shareable.js";
import { Event, Lock, RLock, Semaphore, SharedQueue, Value, withLock } from "../../src/shared-memory/index.js";
import { run, start } from "./fixtures/run.js";

describe("Lock", () => {
  it("2 threads x 200k read-modify-write increments under a Lock lose nothing", async () => {
    const lock = new Lock();
    const counter = new Value("int32", 0);
    const a = start("increment", lock, counter, 200_000);
    const b = start("increment", lock, counter, 200_000);
    await Promise.all([a.result, b.result]);
    await Promise.all([a.exited, b.exited]);
    assert.equal(counter.value, 400_000);
    assert.equal(lock.locked, false);
  });

  it("travels as a task argument and works over the same memory", async () => {
    const lock = new Lock();
    assert.equal(await run("lockTryAcquire", lock), true);
    assert.equal(lock.locked, true, "the worker's acquire is visible here");
    assert.equal(lock.tryAcquire(), false);
    lock.release();
    assert.equal(encodeShared([lock])[0] !== lock, true);
  });

  it("can be created in a worker and sent back to the main thread", async () => {
    const [lock, value] = await run<[Lock, Value<"float64">]>("createHere");
    assert.ok(lock instanceof Lock);
    assert.equal(lock.locked, true, "the worker's acquire is visible here");
    lock.release();
    assert.equal(value.add(1), 2.5);
    assert.equal(value.value, 3.5);
  });

  it("release() of an unlocked lock throws, from any thread", async () => {
    const lock = new Lock();
    assert.throws(() => lock.release(), { code: "ERR_JUGGLE_NOT_LOCKED", message: "Cannot release Lock as it is not locked" });
    await assert.rejects(run("releaseLock", lock), { code: "ERR_JUGGLE_NOT_LOCKED" });
  });

  it("acquireSync() on the main thread is a clear error", () => {
    assert.throws(() => new Lock().acquireSync(), {
      code: "ERR_JUGGLE_MAIN_THREAD_BLOCK",
      message: /Cannot call Lock.acquireSync\(\) on the main thread .*use await lock.acquire\(\)/,
    });
  });

  it("acquire() waits without blocking while a worker holds it, and times out", async () => {
    const lock = new Lock();
    const held = new Event();
    const go = new Event();
    const w = start("holdLock", lock, held, go);
    assert.equal(await held.wait({ timeout: 10_000 }), true);
    assert.equal(await lock.acquire({ timeout: 20 }), false, "times out while held");
    const acquired = lock.acquire({ timeout: 10_000 });
    go.set();
    assert.equal(await acquired, true);
    lock.release();
    await w.result;
    await w.exited;
  });

  it("an aborted acquire() leaves nothing behind: the next waiter still gets the lock", async () => {
    const lock = new Lock();
    assert.ok(lock.tryAcquire());
    const controller = new AbortController();
    const aborted = lock.acquire({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(aborted, { message: "stop" });
    // This waiter queues behind the abandoned Atomics.waitAsync, which takes the
    // release's single notify and must pass it on.
    const next = lock.acquire({ timeout: 10_000 });
    lock.release();
    assert.equal(await next, true);
    assert.equal(lock.tryAcquire(), false);
    lock.release();
    assert.equal(lock.tryAcquire(), true);
    lock.release();
  });

  it("rejects bad options and pre-aborted signals", async () => {
    const lock = new Lock();
    lock.tryAcquire();
    await assert.rejects(lock.acquire({ timeout: -1 }), { name: "RangeError", message: /'timeout' must be/ });
    await assert.rejects(lock.acquire({ signal: AbortSignal.abort(new Error("early")) }), { message: "early" });
    lock.release();
    await assert.rejects(lock.acquire({ signal: AbortSignal.abort(new Error("free")) }), { message: "free" });
    assert.equal(lock.locked, false, "an aborted signal takes nothing, even when the lock is free");
  });
});

describe("withLock()", () => {
  it("releases the lock when the callback throws", async () => {
    const lock = new Lock();
    await assert.rejects(
      withLock(lock, () => {
        throw new Error("boom");
      }),
      { message: "boom" },
    );
    assert.equal(lock.locked, false);
    assert.equal(await withLock(lock, async () => 7), 7);
    assert.equal(lock.locked, false);
  });

  it("throws TimeoutError and does not run the callback when the lock stays held", async () => {
    const lock = new Lock();
    lock.tryAcquire();
    let ran = false;
    await assert.rejects(
      withLock(lock, () => {
        ran = true;
      }, { timeout: 5 }),
      { name: "TimeoutError" },
    );
    assert.equal(ran, false);
    lock.release();
  });
});

describe("RLock", () => {
  it("is reentrant for its owner and excludes other threads (2 x 50k nested increments)", async () => {
    const lock = new RLock();
    const counter = new Value("int32", 0);
    const a = start("rlockNested", lock, counter, 50_000);
    const b = start("rlockNested", lock, counter, 50_000);
    await Promise.all([a.result, b.result, a.exited, b.exited]);
    assert.equal(counter.value, 100_000);
    assert.equal(lock.locked, false);
  });

  it("counts levels on the main thread", async () => {
    const lock = new RLock();
    assert.equal(await lock.acquire(), true);
    assert.equal(lock.tryAcquire(), true);
    assert.equal(lock.count, 2);
    lock.release();
    assert.equal(lock.locked, true);
    lock.release();
    assert.equal(lock.locked, false);
    assert.throws(() => lock.release(), { code: "ERR_JUGGLE_NOT_OWNER", message: /it is not locked/ });
  });

  it("refuses a release by a thread that does not own it", async () => {
    const lock = new RLock();
    await lock.acquire();
    assert.equal(await run("rlockReleaseForeign", lock), "ERR_JUGGLE_NOT_OWNER");
    assert.equal(lock.count, 1, "still held by the main thread");
    lock.release();
  });
});

describe("wait options", () => {
  it("a bad option is refused even when the wait would not wait (free lock, permit left, flag set, room or message in the queue)", async () => {
    const event = new Event();
    event.set();
    const queue = new SharedQueue<number>({ capacity: 4, messageSize: 8 });
    await queue.put(1);
    const waits: [string, (options: never) => Promise<unknown>][] = [
      ["acquire Lock", (o) => new Lock().acquire(o)],
      ["acquire RLock", (o) => new RLock().acquire(o)],
      ["acquire Semaphore", (o) => new Semaphore(1).acquire(o)],
      ["wait for Event", (o) => event.wait(o)],
      ["put in SharedQueue", (o) => queue.put(2, o)],
      ["get from SharedQueue", (o) => queue.get(o)],
    ];
    for (const [action, wait] of waits) {
      await assert.rejects(wait({ timeout: -5 } as never), {
        name: "RangeError",
        message: new RegExp(`^Cannot ${action} as 'timeout' must be .*: received -5$`),
      });
      await assert.rejects(wait({ signal: 3 } as never), { name: "TypeError", message: /'signal'/ });
      const reason = new Error("aborted before");
      await assert.rejects(wait({ signal: AbortSignal.abort(reason) } as never), (error) => error === reason);
    }
    assert.equal(queue.size, 1, "the refused calls took and put nothing");
  });
});
