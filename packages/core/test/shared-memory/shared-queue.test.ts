import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SharedQueue } from "../../src/shared-memory/index.js";
import { start } from "./fixtures/run.js";

/** Checks every message arrived exactly once and each consumer saw each producer's messages in order. */
function checkDelivery(consumers: number[][], sent: Map<number, number>): void {
  const seen = new Map<number, number>();
  for (const list of consumers) {
    const last = new Map<number, number>();
    for (const m of list) {
      const producer = Math.floor(m / 1_000_000);
      const i = m % 1_000_000;
      const prev = last.get(producer) ?? -1;
      if (i <= prev) assert.fail(`producer ${producer}: message ${i} after ${prev}`);
      last.set(producer, i);
      seen.set(m, (seen.get(m) ?? 0) + 1);
    }
  }
  let total = 0;
  for (const [producer, n] of sent) {
    for (let i = 0; i < n; i++) {
      const count = seen.get(producer * 1_000_000 + i) ?? 0;
      if (count !== 1) assert.fail(`producer ${producer} message ${i} delivered ${count} times`);
    }
    total += n;
  }
  assert.equal(seen.size, total, "no message that was never sent");
}

describe("SharedQueue", () => {
  it("2 producers and 2 consumers (workers and main thread): every message once, per-producer order", async () => {
    const queue = new SharedQueue<number>({ capacity: 8, messageSize: 8 });
    const producer = start<number>("produce", queue, 1, 100_000);
    const consumer = start<number[]>("consume", queue);
    const mine: number[] = [];
    const consuming = (async () => {
      for await (const m of queue) mine.push(m);
    })();
    for (let i = 0; i < 20_000; i++) await queue.put(0 * 1_000_000 + i, { timeout: 30_000 });
    await producer.result;
    queue.close();
    const theirs = await consumer.result;
    await consuming;
    await Promise.all([producer.exited, consumer.exited]);
    checkDelivery([mine, theirs], new Map([[0, 20_000], [1, 100_000]]));
    assert.equal(queue.size, 0);
  });

  it("carries numbers, strings, bytes and structured-clonable messages", async () => {
    const queue = new SharedQueue({ capacity: 16, messageSize: 256 });
    const messages = [
      42,
      -0.5,
      "héllo wörld ✓",
      "",
      new Uint8Array([1, 2, 255]),
      { a: 1, nested: [true, null, "x"] },
      new Map([["k", 1]]),
      new Date(0),
      null,
      123n,
    ];
    const w = start("produceMessages", queue, messages);
    const got: unknown[] = [];
    for (let i = 0; i < messages.length; i++) got.push(await queue.get({ timeout: 30_000 }));
    await w.result;
    await w.exited;
    assert.deepEqual(got, messages);
  });

  it("getMany() waits for one message, then takes what is ready up to max", async () => {
    const queue = new SharedQueue<number>({ capacity: 8, messageSize: 8 });
    const first = queue.getMany(3);
    for (let i = 0; i < 5; i++) await queue.put(i);
    const a = await first;
    assert.ok(a.length >= 1 && a.length <= 3, `got ${a.length}`);
    const b = await queue.getMany(10);
    assert.deepEqual([...a, ...b], [0, 1, 2, 3, 4]);
    queue.close();
    await assert.rejects(queue.getMany(2), { name: "QueueShutDown" });
  });

  it("refuses an oversize message before taking a slot, naming its size", () => {
    const queue = new SharedQueue({ capacity: 2, messageSize: 16 });
    assert.throws(() => queue.tryPut("x".repeat(17)), {
      name: "RangeError",
      message: "Cannot put message in SharedQueue as it is 17 bytes and 'messageSize' is 16: create the queue with a larger messageSize",
    });
    assert.throws(() => queue.tryPut({ big: "y".repeat(100) }), { message: /as it is \d+ bytes/ });
    assert.equal(queue.size, 0);
    assert.deepEqual(queue.tryPut("ok"), { state: "ok" });
  });

  it("tryPut()/tryGet() report full, empty and closed", () => {
    const queue = new SharedQueue<number>({ capacity: 2, messageSize: 8 });
    assert.deepEqual(queue.tryGet(), { state: "empty" });
    assert.deepEqual(queue.tryPut(1), { state: "ok" });
    assert.deepEqual(queue.tryPut(2), { state: "ok" });
    assert.deepEqual(queue.tryPut(3), { state: "full" });
    queue.close();
    assert.deepEqual(queue.tryPut(4), { state: "closed" });
    assert.deepEqual(queue.tryGet(), { state: "ok", value: 1 });
    assert.deepEqual(queue.tryGet(), { state: "ok", value: 2 });
    assert.deepEqual(queue.tryGet(), { state: "closed" });
  });

  it("close() ends waiting consumers: get() throws QueueShutDown, iteration ends", async () => {
    const queue = new SharedQueue<number>();
    const waiting = queue.get();
    const iterated: number[] = [];
    const iterating = (async () => {
      for await (const m of queue) iterated.push(m);
    })();
    queue.close();
    await assert.rejects(waiting, { name: "QueueShutDown", code: "ERR_JUGGLE_QUEUE_SHUT_DOWN" });
    await iterating;
    assert.deepEqual(iterated, []);
    await assert.rejects(queue.put(1), { name: "QueueShutDown" });
  });

  it("a worker consumer drains what is left after close(), then stops", async () => {
    const queue = new SharedQueue<number>({ capacity: 4 });
    for (let i = 0; i < 4; i++) await queue.put(i);
    queue.close();
    const w = start<number[]>("consume", queue);
    assert.deepEqual(await w.result, [0, 1, 2, 3]);
    await w.exited;
  });

  it("an aborted get() takes nothing and does not swallow the next put's wake-up", async () => {
    const queue = new SharedQueue<string>({ capacity: 4, messageSize: 16 });
    const controller = new AbortController();
    const aborted = queue.get({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(aborted, { message: "stop" });
    const next = queue.get({ timeout: 10_000 });
    await queue.put("a");
    assert.equal(await next, "a");
    await queue.put("b");
    assert.deepEqual(queue.tryGet(), { state: "ok", value: "b" });
  });

  it("an aborted put() on a full queue puts nothing", async () => {
    const queue = new SharedQueue<number>({ capacity: 2, messageSize: 8 });
    assert.equal(queue.capacity, 2);
    await queue.put(1);
    await queue.put(1.5);
    const controller = new AbortController();
    const aborted = queue.put(2, { signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(aborted, { message: "stop" });
    assert.equal(await queue.get(), 1);
    assert.equal(await queue.get(), 1.5);
    assert.deepEqual(queue.tryGet(), { state: "empty" });
  });

  it("keeps order and loses nothing when positions wrap around 2^31", () => {
    const queue = new SharedQueue<number>({ capacity: 4, messageSize: 8 });
    // Move head and tail to just before the wrap, as if 2^31 - 2 messages had passed.
    const i32 = new Int32Array(queue.buffer);
    const P = 0x7fffffff;
    const stride = (8 + 8) / 4;
    for (let k = 0; k < 4; k++) {
      const pos = (P - 1 + k) & P;
      i32[128 + (pos & 3) * stride] = pos;
    }
    i32[0] = P - 1; // head
    i32[16] = P - 1; // tail
    let next = 0;
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(queue.tryPut(i), { state: "ok" });
      assert.deepEqual(queue.tryPut(i + 0.5), { state: "ok" });
      assert.equal(queue.size, 2);
      assert.deepEqual(queue.tryGet(), { state: "ok", value: next });
      assert.deepEqual(queue.tryGet(), { state: "ok", value: next + 0.5 });
      next++;
    }
    queue.close();
    assert.deepEqual(queue.tryGet(), { state: "closed" });
  });

  it("get() times out with TimeoutError; getSync() on the main thread is an error", async () => {
    const queue = new SharedQueue();
    await assert.rejects(queue.get({ timeout: 5 }), { name: "TimeoutError" });
    assert.throws(() => queue.getSync(), { code: "ERR_JUGGLE_MAIN_THREAD_BLOCK" });
  });
});
