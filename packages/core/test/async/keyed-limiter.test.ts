import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { getEventListeners } from "node:events";
import { describe, it } from "node:test";
import { KeyedLimiter } from "../../src/async/keyed-limiter.js";
import { type Deferred, deferred } from "../../src/internal/deferred.js";

/** Lets promise callbacks run (setImmediate is not mocked). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A task that records its start under `name` and runs until its gate opens. */
function gated(log: string[], name: string): { gate: Deferred<void>; fn: () => Promise<void> } {
  const gate = deferred<void>();
  return {
    gate,
    fn: () => {
      log.push(name);
      return gate.promise;
    },
  };
}

describe("KeyedLimiter", () => {
  it("refuses bad options and keys, naming them", async () => {
    assert.throws(() => new KeyedLimiter({ concurrency: 0 }), {
      name: "RangeError",
      message: "Cannot create KeyedLimiter as 'concurrency' must be a positive integer or Infinity: received 0",
    });
    assert.throws(() => new KeyedLimiter({ concurrency: 1, total: Number.NaN }), { name: "RangeError", message: /'total'.*NaN/ });
    assert.throws(() => new KeyedLimiter({ concurrency: 1, maxKeys: -1 }), { name: "RangeError", message: /'maxKeys'.*-1/ });
    assert.throws(() => new KeyedLimiter({ concurrency: 1, rate: { limit: 0, interval: 10 } }), {
      name: "RangeError",
      message: /'limit' must be a positive integer: received 0/,
    });
    assert.throws(() => new KeyedLimiter(undefined as never), { name: "TypeError", message: /'options'/ });
    const limiter = new KeyedLimiter({ concurrency: 1 });
    for (const key of [undefined, null, {}, Symbol("k"), Number.NaN, ["a"]]) {
      await assert.rejects(limiter.run(key as never, () => 1), {
        name: "TypeError",
        message: /^Cannot run KeyedLimiter.run as 'key' must be a string or a number: received /,
      });
    }
    await assert.rejects(limiter.run("a", 5 as never), { name: "TypeError", message: /'fn' must be a function/ });
    assert.equal(limiter.keys, 0);
  });

  it("keys are independent: a busy key does not hold back another", async () => {
    const limiter = new KeyedLimiter({ concurrency: 1 });
    const log: string[] = [];
    const a1 = gated(log, "a1");
    const a2 = gated(log, "a2");
    const b1 = gated(log, "b1");
    const runs = [limiter.run("a", a1.fn), limiter.run("a", a2.fn), limiter.run(7, b1.fn)];
    await flush();
    assert.deepEqual(log, ["a1", "b1"]);
    assert.equal(limiter.running, 2);
    assert.equal(limiter.waiting, 1);
    b1.gate.resolve();
    a1.gate.resolve();
    await flush();
    assert.deepEqual(log, ["a1", "b1", "a2"]);
    a2.gate.resolve();
    await Promise.all(runs);
    assert.equal(limiter.keys, 0);
  });

  it("with `total`, waiting keys take turns: a key with many tasks does not starve another", async () => {
    const limiter = new KeyedLimiter({ concurrency: 5, total: 1 });
    const log: string[] = [];
    const tasks = [...["a1", "a2", "a3", "a4"].map((n) => gated(log, n)), gated(log, "b1"), gated(log, "c1")];
    const runs = tasks.map((t, i) => limiter.run(i < 4 ? "a" : i === 4 ? "b" : "c", t.fn));
    for (const task of tasks) {
      await flush();
      task.gate.resolve();
    }
    await Promise.all(runs);
    // Round-robin: after a's second task, b and c get their turn before the rest of a's backlog.
    assert.deepEqual(log, ["a1", "a2", "b1", "c1", "a3", "a4"]);
  });

  it("forgets idle keys: 100,000 distinct keys leave nothing tracked", async () => {
    const limiter = new KeyedLimiter({ concurrency: 2, total: 64 });
    const runs: Promise<number>[] = [];
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      runs.push(limiter.run(`host-${i}`, async () => i));
      peak = Math.max(peak, limiter.keys);
    }
    const results = await Promise.all(runs);
    assert.equal(results[99_999], 99_999);
    assert.ok(peak > 64, `peak ${peak}`); // they really were tracked while queued
    assert.equal(limiter.keys, 0);
    assert.equal(limiter.active, 0);
    assert.equal(limiter.running, 0);
    assert.equal(limiter.waiting, 0);
  });

  it("rate per key: a key's third start waits for its window, another key's does not", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
    const limiter = new KeyedLimiter({ concurrency: 10, rate: { limit: 2, interval: 1000 } });
    const starts: string[] = [];
    const runs = ["a", "a", "a", "b"].map((key, i) => limiter.run(key, () => starts.push(`${key}${i}@${Date.now()}`)));
    await flush();
    assert.deepEqual(starts, ["a0@0", "a1@0", "b3@0"]);
    t.mock.timers.tick(1000);
    await flush();
    assert.equal(starts.length, 3);
    t.mock.timers.tick(1);
    await flush();
    assert.deepEqual(starts[3], "a2@1001");
    await Promise.all(runs);
    // An idle key is kept while its window still matters (a started at 1001;
    // b's window has passed), then swept.
    assert.equal(limiter.keys, 1);
    t.mock.timers.tick(1000);
    assert.equal(limiter.keys, 1);
    t.mock.timers.tick(1);
    assert.equal(limiter.keys, 0);
  });

  it("rate per key: a key back at work while it cools keeps its history through the sweep; a forgotten key's state serves a new key afresh", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
    const limiter = new KeyedLimiter({ concurrency: 10, rate: { limit: 2, interval: 1000 } });
    const starts: string[] = [];
    const start = (key: string, label: string) => limiter.run(key, () => void starts.push(`${label}@${Date.now()}`));
    await start("a", "a1"); // a cools from here: its history matters until 1001
    t.mock.timers.tick(500);
    const gate = deferred<void>();
    const held = limiter.run("a", () => gate.promise); // a's second start, at 500
    t.mock.timers.tick(501); // the sweep at 1001 finds a at work again
    assert.equal(limiter.keys, 1);
    assert.equal(limiter.active, 1);
    const late = [start("a", "a3"), start("a", "a4")];
    await flush();
    // The start at 0 has left the window, the one at 500 has not: one more now.
    assert.deepEqual(starts, ["a1@0", "a3@1001"]);
    gate.resolve();
    await held;
    t.mock.timers.tick(500);
    await Promise.all(late);
    assert.deepEqual(starts, ["a1@0", "a3@1001", "a4@1501"]);
    t.mock.timers.tick(1001);
    assert.equal(limiter.keys, 0);
    // Key b takes a forgotten state: its limit is whole, and it too is forgotten.
    await Promise.all([start("b", "b1"), start("b", "b2")]);
    assert.deepEqual(starts.slice(3), ["b1@2502", "b2@2502"]);
    assert.equal(limiter.keys, 1);
    t.mock.timers.tick(1001);
    assert.equal(limiter.keys, 0);
  });

  it("a backlog of synchronous tasks on one key runs through without nesting calls", async () => {
    const limiter = new KeyedLimiter({ concurrency: 1 });
    const runs: Promise<number>[] = [];
    for (let i = 0; i < 100_000; i++) runs.push(limiter.run("k", () => i));
    const results = await Promise.all(runs);
    assert.equal(results[99_999], 99_999);
    assert.equal(limiter.keys, 0);
  });

  it("beyond `maxKeys` active keys, new keys wait FIFO and may abort", async () => {
    const limiter = new KeyedLimiter({ concurrency: 1, maxKeys: 1 });
    const log: string[] = [];
    const a = gated(log, "a");
    const a2 = gated(log, "a2");
    const b = gated(log, "b");
    const c = gated(log, "c");
    const controller = new AbortController();
    const runA = limiter.run("a", a.fn);
    const runB = limiter.run("b", b.fn, { signal: controller.signal });
    const runC = limiter.run("c", c.fn);
    const runA2 = limiter.run("a", a2.fn); // key a is active: no new key needed
    await flush();
    assert.deepEqual(log, ["a"]);
    assert.equal(limiter.keys, 1);
    assert.equal(limiter.waiting, 3);
    controller.abort(new Error("no longer"));
    await assert.rejects(runB, { message: "no longer" });
    assert.equal(limiter.waiting, 2);
    a.gate.resolve();
    await flush();
    assert.deepEqual(log, ["a", "a2"]);
    a2.gate.resolve();
    await flush();
    assert.deepEqual(log, ["a", "a2", "c"]);
    c.gate.resolve();
    await Promise.all([runA, runA2, runC]);
    assert.equal(limiter.keys, 0);
  });

  it("a key admitted while more of its tasks wait for `maxKeys` still starts its tasks in the order they were run", async () => {
    // Found by the property test: b1 admitted, b2 still behind c in the
    // admission queue, b3 run once b was active went to b's queue and
    // started before b2.
    const limiter = new KeyedLimiter({ concurrency: 1, maxKeys: 1 });
    const log: string[] = [];
    const tasks = Object.fromEntries(["a", "b1", "c", "b2", "b3"].map((name) => [name, gated(log, name)]));
    const run = (key: string, name: string): Promise<void> => limiter.run(key, (tasks[name] as ReturnType<typeof gated>).fn);
    const runs = [run("a", "a"), run("b", "b1"), run("c", "c"), run("b", "b2")];
    await flush();
    tasks.a?.gate.resolve();
    await flush();
    assert.deepEqual(log, ["a", "b1"]);
    runs.push(run("b", "b3"));
    for (const name of ["b1", "b2", "b3", "c"]) {
      tasks[name]?.gate.resolve();
      await flush();
    }
    await Promise.all(runs);
    assert.deepEqual(
      log.filter((name) => name.startsWith("b")),
      ["b1", "b2", "b3"],
    );
    assert.deepEqual(log, ["a", "b1", "c", "b2", "b3"]);
    assert.equal(limiter.keys, 0);
  });

  it("tasks waiting on one signal put one listener on it, and none is left once they have started", async () => {
    const limiter = new KeyedLimiter({ concurrency: 1, maxKeys: 1 });
    const controller = new AbortController();
    const log: string[] = [];
    const first = gated(log, "first");
    const runs = [limiter.run("a", first.fn, { signal: controller.signal })];
    // 30 behind the first on its key, 30 on other keys waiting for maxKeys: more than Node's 10 before it warns.
    for (let i = 0; i < 30; i++) runs.push(limiter.run("a", async () => void log.push(`a${i}`), { signal: controller.signal }));
    for (let i = 0; i < 30; i++) runs.push(limiter.run(`k${i}`, async () => void log.push(`k${i}`), { signal: controller.signal }));
    await flush();
    assert.equal(getEventListeners(controller.signal, "abort").length, 1);
    first.gate.resolve();
    await Promise.all(runs);
    assert.equal(log.length, 61);
    assert.equal(getEventListeners(controller.signal, "abort").length, 0, "listeners left on a signal that never aborted");
  });

  it("an aborted task leaves its key's queue; an already aborted signal rejects at once", async () => {
    const limiter = new KeyedLimiter({ concurrency: 1 });
    const log: string[] = [];
    const first = gated(log, "first");
    const controller = new AbortController();
    const run1 = limiter.run("k", first.fn);
    const run2 = limiter.run("k", () => log.push("second"), { signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(run2, { message: "stop" });
    first.gate.resolve();
    await run1;
    assert.deepEqual(log, ["first"]);
    await assert.rejects(limiter.run("k", () => 1, { signal: AbortSignal.abort(new Error("early")) }), { message: "early" });
    assert.equal(limiter.keys, 0);
  });

  it("a failing task frees its slot and rejects with its error", async () => {
    const limiter = new KeyedLimiter({ concurrency: 1 });
    await assert.rejects(limiter.run("k", () => Promise.reject(new Error("boom"))), { message: "boom" });
    assert.equal(await limiter.run("k", () => 2), 2);
    assert.equal(limiter.keys, 0);
  });

  it("runs each task in its caller's AsyncLocalStorage context", async () => {
    const storage = new AsyncLocalStorage<string>();
    const limiter = new KeyedLimiter({ concurrency: 1 });
    const gate = deferred<void>();
    const first = storage.run("one", () => limiter.run("k", () => gate.promise.then(() => storage.getStore())));
    const second = storage.run("two", () => limiter.run("k", () => storage.getStore()));
    gate.resolve();
    assert.deepEqual(await Promise.all([first, second]), ["one", "two"]);
  });
});
