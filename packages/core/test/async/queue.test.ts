import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LifoQueue } from "../../src/async/lifo-queue.js";
import { Queue } from "../../src/async/queue.js";
import { JuggleError, QueueShutDown } from "../../src/internal/errors.js";
import { controllerWithFirstListener, settle, track } from "./sync-helpers.js";

const isShutDown = (error: unknown) => error instanceof QueueShutDown && error.code === "ERR_JUGGLE_QUEUE_SHUT_DOWN";

function drain<T>(queue: Queue<T>): T[] {
  const out: T[] = [];
  for (let r = queue.tryGet(); r.ok; r = queue.tryGet()) out.push(r.value);
  return out;
}

describe("Queue", () => {
  it("rejects a bad maxsize or options, naming them", () => {
    for (const [maxsize, name, received] of [
      [-1, "RangeError", "-1"],
      [1.5, "RangeError", "1.5"],
      [Number.NaN, "RangeError", "NaN"],
      ["4", "TypeError", '"4"'],
    ] as const) {
      assert.throws(() => new Queue({ maxsize: maxsize as number }), {
        name,
        message: `Cannot create Queue as 'maxsize' must be a non-negative integer or Infinity: received ${received}`,
      });
    }
    assert.throws(() => new LifoQueue({ maxsize: -3 }), /Cannot create LifoQueue as 'maxsize'/);
    assert.throws(() => new Queue(7 as never), {
      name: "TypeError",
      message: "Cannot create Queue as 'options' must be an object: received 7",
    });
  });

  it("is unbounded with maxsize 0 (the default) or Infinity", () => {
    for (const queue of [new Queue<number>(), new Queue<number>({ maxsize: 0 }), new Queue<number>({ maxsize: Infinity })]) {
      for (let i = 0; i < 1000; i++) assert.deepEqual(queue.tryPut(i), { ok: true });
      assert.equal(queue.full, false);
      assert.equal(queue.size, 1000);
    }
  });

  it("returns items first in, first out, with size, empty and full", async () => {
    const queue = new Queue<string>({ maxsize: 2 });
    assert.equal(queue.maxsize, 2);
    assert.equal(queue.empty, true);
    await queue.put("a");
    await queue.put("b");
    assert.deepEqual([queue.size, queue.empty, queue.full], [2, false, true]);
    assert.equal(await queue.get(), "a");
    assert.equal(await queue.get(), "b");
    assert.equal(queue.empty, true);
  });

  it("tryPut() and tryGet() never wait and say why they could not", () => {
    const queue = new Queue<number>({ maxsize: 1 });
    assert.deepEqual(queue.tryGet(), { ok: false, reason: "empty" });
    assert.deepEqual(queue.tryPut(1), { ok: true });
    assert.deepEqual(queue.tryPut(2), { ok: false, reason: "full" });
    assert.deepEqual(queue.tryGet(), { ok: true, value: 1 });
    queue.shutdown();
    assert.deepEqual(queue.tryPut(3), { ok: false, reason: "shutdown" });
    assert.deepEqual(queue.tryGet(), { ok: false, reason: "shutdown" });
  });

  it("get() waits while empty; put() hands the item to the first getter", async () => {
    const queue = new Queue<number>();
    const getters = [track(queue.get()), track(queue.get())];
    await settle();
    assert.equal(getters[0].state, "pending");
    await queue.put(10);
    await queue.put(20);
    await settle();
    assert.deepEqual(
      getters.map((g) => g.value),
      [10, 20],
    );
    assert.equal(queue.size, 0);
  });

  it("put() waits while full; putters enter in the order they came", async () => {
    const queue = new Queue<number>({ maxsize: 1 });
    await queue.put(0);
    const putters = [1, 2, 3].map((n) => track(queue.put(n)));
    await settle();
    assert.deepEqual(
      putters.map((p) => p.state),
      ["pending", "pending", "pending"],
    );
    assert.equal(queue.tryPut(99).ok, false);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      got.push(await queue.get());
      await settle();
      assert.equal(putters.filter((p) => p.state === "fulfilled").length, Math.min(i + 1, 3));
    }
    assert.deepEqual(got, [0, 1, 2, 3]);
  });

  it("join() waits until taskDone() was called for every item", async () => {
    const queue = new Queue<string>();
    await queue.join();
    queue.tryPut("a");
    queue.tryPut("b");
    assert.equal(queue.unfinishedTasks, 2);
    const joined = track(queue.join());
    await queue.get();
    queue.taskDone();
    await settle();
    assert.equal(joined.state, "pending");
    await queue.get();
    queue.taskDone();
    await settle();
    assert.equal(joined.state, "fulfilled");
    assert.throws(
      () => queue.taskDone(),
      (error: unknown) => error instanceof JuggleError && error.code === "ERR_JUGGLE_TASK_DONE_TOO_OFTEN",
    );
  });

  it("items handed straight to a getter count as unfinished tasks", async () => {
    const queue = new Queue<number>();
    const getter = queue.get();
    await queue.put(1);
    assert.equal(await getter, 1);
    assert.equal(queue.unfinishedTasks, 1);
    queue.taskDone();
    await queue.join();
  });

  it("is an async iterable that ends at shutdown once drained", async () => {
    const queue = new Queue<number>({ maxsize: 2 });
    const seen: number[] = [];
    const consumer = (async () => {
      for await (const n of queue) {
        seen.push(n);
        queue.taskDone();
      }
      return "ended";
    })();
    for (const n of [1, 2, 3, 4, 5]) await queue.put(n);
    queue.shutdown();
    assert.equal(await consumer, "ended");
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    await queue.join();
  });

  it("values() stops with the signal's reason", async () => {
    const queue = new Queue<number>();
    const controller = new AbortController();
    const consumer = track(
      (async () => {
        for await (const _ of queue.values({ signal: controller.signal })) {
          // nothing arrives
        }
      })(),
    );
    await settle();
    controller.abort("stop");
    await settle();
    assert.deepEqual([consumer.state, consumer.reason], ["rejected", "stop"]);
  });

  it("leaving a for await loop early takes no further item", async () => {
    const queue = new Queue<number>();
    for (const n of [1, 2, 3]) queue.tryPut(n);
    for await (const n of queue) {
      assert.equal(n, 1);
      break;
    }
    assert.equal(queue.size, 2);
    const iterator = queue.values();
    assert.deepEqual(await iterator.next(), { value: 2, done: false });
    assert.deepEqual(await iterator.return?.(), { value: undefined, done: true });
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    assert.equal(queue.size, 1);
  });

  it("values() with an aborted signal takes no item", async () => {
    const queue = new Queue<number>();
    queue.tryPut(1);
    const iterator = queue.values({ signal: AbortSignal.abort("no") });
    await assert.rejects(iterator.next(), (e) => e === "no");
    assert.equal(queue.size, 1);
    assert.throws(() => queue.values({ signal: 1 as never }), {
      name: "TypeError",
      message: "Cannot iterate over Queue as 'signal' must be an AbortSignal: received 1",
    });
  });

  describe("shutdown", () => {
    it("refuses put() at once and releases every waiting putter", async () => {
      const queue = new Queue<number>({ maxsize: 1 });
      queue.tryPut(1);
      const putter = track(queue.put(2));
      queue.shutdown();
      assert.equal(queue.isShutDown, true);
      await settle();
      assert.equal(putter.state, "rejected");
      assert.ok(isShutDown(putter.reason));
      await assert.rejects(queue.put(3), {
        name: "QueueShutDown",
        message: "Cannot put into Queue as it is shut down",
      });
      assert.equal(queue.size, 1);
    });

    it("lets get() drain the items, then rejects it", async () => {
      const queue = new Queue<number>();
      queue.tryPut(1);
      queue.tryPut(2);
      queue.shutdown();
      assert.equal(await queue.get(), 1);
      assert.equal(await queue.get(), 2);
      await assert.rejects(queue.get(), {
        name: "QueueShutDown",
        message: "Cannot get from Queue as it is shut down and empty",
      });
    });

    it("releases every waiting getter", async () => {
      const queue = new Queue<number>();
      const getters = [track(queue.get()), track(queue.get())];
      queue.shutdown();
      await settle();
      assert.ok(getters.every((g) => g.state === "rejected" && isShutDown(g.reason)));
    });

    it("keeps join() waiting for the remaining tasks", async () => {
      const queue = new Queue<number>();
      queue.tryPut(1);
      const joined = track(queue.join());
      queue.shutdown();
      await settle();
      assert.equal(joined.state, "pending");
      await queue.get();
      queue.taskDone();
      await settle();
      assert.equal(joined.state, "fulfilled");
    });

    it("immediate drops the items, releases everyone and leaves nothing pending", async () => {
      const queue = new Queue<number>({ maxsize: 2 });
      queue.tryPut(1);
      queue.tryPut(2);
      const putter = track(queue.put(3));
      const taken = await queue.get(); // 3 enters
      assert.equal(taken, 1);
      const joined = track(queue.join()); // unfinished: 1 (got, not done) + 2 queued
      queue.shutdown(true);
      assert.equal(queue.size, 0);
      assert.equal(queue.unfinishedTasks, 1);
      await settle();
      assert.equal(putter.state, "fulfilled");
      assert.equal(joined.state, "rejected");
      assert.ok(isShutDown(joined.reason));
      await assert.rejects(queue.get(), QueueShutDown);
      await assert.rejects(queue.join(), {
        name: "QueueShutDown",
        message: "Cannot join Queue as it was shut down immediately with unfinished tasks",
      });
      queue.taskDone();
      await queue.join();
    });

    it("immediate with every dropped item unfinished resolves join()", async () => {
      const queue = new Queue<number>();
      queue.tryPut(1);
      queue.tryPut(2);
      const joined = track(queue.join());
      queue.shutdown(true);
      await settle();
      assert.equal(joined.state, "fulfilled");
      assert.equal(queue.unfinishedTasks, 0);
    });

    it("immediate after a graceful shutdown still drops the rest", async () => {
      const queue = new Queue<number>();
      queue.tryPut(1);
      queue.shutdown();
      queue.shutdown(true);
      assert.deepEqual(queue.tryGet(), { ok: false, reason: "shutdown" });
    });

    it("rejects a non-boolean immediate", () => {
      assert.throws(() => new Queue().shutdown("yes" as never), {
        name: "TypeError",
        message: "Cannot shut down Queue as 'immediate' must be a boolean: received \"yes\"",
      });
    });
  });

  describe("cancellation", () => {
    it("already-aborted signals reject put(), get() and join() at once, changing nothing", async () => {
      const queue = new Queue<number>();
      const signal = AbortSignal.abort("no");
      await assert.rejects(queue.put(1, { signal }), (e) => e === "no");
      assert.equal(queue.size, 0);
      queue.tryPut(2);
      await assert.rejects(queue.get({ signal }), (e) => e === "no");
      await assert.rejects(queue.join({ signal }), (e) => e === "no");
      assert.equal(queue.size, 1);
    });

    it("an aborted getter takes no item: the next put goes to the next getter", async () => {
      const queue = new Queue<string>();
      const controller = new AbortController();
      const gone = track(queue.get({ signal: controller.signal }));
      const next = track(queue.get());
      controller.abort("gone");
      await queue.put("x");
      await settle();
      assert.deepEqual([gone.state, gone.reason, next.value], ["rejected", "gone", "x"]);
    });

    it("an item put from the signal's earlier listener stays at the front of the queue", async () => {
      const queue = new Queue<string>();
      const controller = controllerWithFirstListener(() => {
        queue.tryPut("first");
      });
      const gone = track(queue.get({ signal: controller.signal }));
      controller.abort("gone");
      queue.tryPut("second");
      await settle();
      assert.equal(gone.state, "rejected");
      assert.deepEqual(drain(queue), ["first", "second"]);
    });

    it("an item handed over before the abort stays with its getter", async () => {
      const queue = new Queue<string>();
      const controller = new AbortController();
      const getter = track(queue.get({ signal: controller.signal }));
      queue.tryPut("mine");
      controller.abort("late");
      await settle();
      assert.deepEqual([getter.state, getter.value, queue.size], ["fulfilled", "mine", 0]);
    });

    it("an aborted putter's item never enters; the putters behind it move up", async () => {
      const queue = new Queue<string>({ maxsize: 1 });
      queue.tryPut("a");
      const controller = new AbortController();
      const gone = track(queue.put("b", { signal: controller.signal }));
      const c = track(queue.put("c"));
      controller.abort("gone");
      assert.equal(await queue.get(), "a");
      await settle();
      assert.deepEqual([gone.state, c.state], ["rejected", "fulfilled"]);
      assert.deepEqual(drain(queue), ["c"]);
      assert.equal(queue.unfinishedTasks, 2);
    });

    it("a slot freed from the signal's earlier listener goes to the next live putter", async () => {
      const queue = new Queue<string>({ maxsize: 1 });
      queue.tryPut("a");
      const controller = controllerWithFirstListener(() => {
        queue.tryGet();
      });
      const gone = track(queue.put("b", { signal: controller.signal }));
      const c = track(queue.put("c"));
      controller.abort("gone");
      await settle();
      assert.deepEqual([gone.state, c.state], ["rejected", "fulfilled"]);
      assert.deepEqual(drain(queue), ["c"]);
    });

    it("an aborted join() rejects with the reason and others still resolve", async () => {
      const queue = new Queue<number>();
      queue.tryPut(1);
      const controller = new AbortController();
      const gone = track(queue.join({ signal: controller.signal }));
      const stays = track(queue.join());
      controller.abort("gone");
      queue.tryGet();
      queue.taskDone();
      await settle();
      assert.deepEqual([gone.state, gone.reason, stays.state], ["rejected", "gone", "fulfilled"]);
    });
  });
});

describe("LifoQueue", () => {
  it("returns the item put last first", async () => {
    const stack = new LifoQueue<number>();
    for (const n of [1, 2, 3]) await stack.put(n);
    assert.deepEqual([await stack.get(), await stack.get(), await stack.get()], [3, 2, 1]);
  });

  it("is a Queue with the same waiting, full and shutdown behaviour", async () => {
    const stack = new LifoQueue<number>({ maxsize: 2 });
    assert.ok(stack instanceof Queue);
    stack.tryPut(1);
    stack.tryPut(2);
    const putter = track(stack.put(3));
    assert.equal(await stack.get(), 2);
    await settle();
    assert.equal(putter.state, "fulfilled");
    assert.equal(await stack.get(), 3);
    stack.shutdown(true);
    await assert.rejects(stack.get(), {
      name: "QueueShutDown",
      message: "Cannot get from LifoQueue as it is shut down and empty",
    });
  });
});
