import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { BinaryHeap, pythonCompare } from "../../src/async/heap.js";
import { PriorityQueue } from "../../src/async/priority-queue.js";
import { Queue } from "../../src/async/queue.js";
import { settle, track } from "./sync-helpers.js";

function drain<T>(queue: Queue<T>): T[] {
  const out: T[] = [];
  for (let r = queue.tryGet(); r.ok; r = queue.tryGet()) out.push(r.value);
  return out;
}

describe("pythonCompare", () => {
  it("orders numbers, strings and arrays like Python's <", () => {
    assert.ok(pythonCompare(1, 2) < 0);
    assert.ok(pythonCompare(2, 1) > 0);
    assert.equal(pythonCompare(1, 1), 0);
    assert.ok(pythonCompare(1n, 2) < 0);
    assert.ok(pythonCompare("apple", "banana") < 0);
    assert.ok(pythonCompare([1, "b"], [1, "c"]) < 0);
    assert.ok(pythonCompare([1], [1, 0]) < 0);
    assert.ok(pythonCompare([2], [1, 9]) > 0);
    assert.ok(pythonCompare([[1, 2], 3], [[1, 3], 0]) < 0);
  });

  it("refuses values Python cannot order", () => {
    assert.throws(() => pythonCompare(1, "1"), {
      name: "TypeError",
      message:
        "Cannot order items in PriorityQueue as they must be numbers, strings or arrays of them, or a 'compare' function given: received 1 and \"1\"",
    });
    assert.throws(() => pythonCompare({}, {}), TypeError);
    assert.throws(() => pythonCompare([1, {}], [1, {}]), TypeError);
  });
});

describe("BinaryHeap", () => {
  it("takes the smallest item, whatever the order of pushes and takes", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined }), { maxLength: 200 }), (ops) => {
        const heap = new BinaryHeap<number>((a, b) => a - b);
        const model: number[] = [];
        for (const op of ops) {
          if (op === undefined) {
            if (model.length === 0) continue;
            model.sort((a, b) => a - b);
            assert.equal(heap.take(), model.shift());
          } else {
            heap.push(op);
            model.push(op);
          }
          assert.equal(heap.length, model.length);
        }
      }),
    );
  });

  it("is left unchanged when compare throws", () => {
    let armed = false;
    const heap = new BinaryHeap<number>((a, b) => {
      if (armed) throw new Error("cannot compare");
      return a - b;
    });
    for (const n of [5, 3, 8, 1, 9, 2, 7]) heap.push(n);
    armed = true;
    assert.throws(() => heap.push(0), /cannot compare/);
    assert.throws(() => heap.take(), /cannot compare/);
    armed = false;
    const out: number[] = [];
    while (heap.length > 0) out.push(heap.take());
    assert.deepEqual(out, [1, 2, 3, 5, 7, 8, 9]);
  });
});

describe("PriorityQueue", () => {
  it("returns items in sorted order (property)", () => {
    const value = fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true }).map((x) => x + 0), // no -0: it ties with 0 yet differs for deepEqual
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 3 })),
    );
    fc.assert(
      fc.property(fc.constantFrom("int", "float", "pair"), fc.array(value, { maxLength: 100 }), (kind, raw) => {
        const items = raw.filter((x) =>
          kind === "pair" ? Array.isArray(x) : kind === "int" ? Number.isInteger(x) : typeof x === "number",
        );
        const queue = new PriorityQueue<unknown>();
        for (const item of items) assert.deepEqual(queue.tryPut(item), { ok: true });
        const expected = [...items].sort(pythonCompare);
        assert.deepEqual(drain(queue), expected);
      }),
    );
  });

  it("defaults to Python's ordering, so [priority, item] pairs work", async () => {
    const queue = new PriorityQueue<[number, string]>();
    for (const pair of [[3, "c"], [1, "a"], [2, "b"], [1, "0"]] as [number, string][]) await queue.put(pair);
    assert.deepEqual(drain(queue), [
      [1, "0"],
      [1, "a"],
      [2, "b"],
      [3, "c"],
    ]);
  });

  it("uses a compare function when given", () => {
    const queue = new PriorityQueue<{ at: number }>({ compare: (a, b) => b.at - a.at });
    for (const at of [1, 3, 2]) queue.tryPut({ at });
    assert.deepEqual(
      drain(queue).map((x) => x.at),
      [3, 2, 1],
    );
  });

  it("rejects a bad compare or maxsize", () => {
    assert.throws(() => new PriorityQueue({ compare: 1 as never }), {
      name: "TypeError",
      message: "Cannot create PriorityQueue as 'compare' must be a function: received 1",
    });
    assert.throws(() => new PriorityQueue({ maxsize: -1 }), {
      name: "RangeError",
      message: "Cannot create PriorityQueue as 'maxsize' must be a non-negative integer or Infinity: received -1",
    });
  });

  it("refuses an item it cannot order, leaving the queue as it was", async () => {
    const queue = new PriorityQueue<unknown>();
    queue.tryPut(2);
    queue.tryPut(1);
    assert.throws(() => queue.tryPut("x"), TypeError);
    await assert.rejects(queue.put({}), TypeError);
    assert.equal(queue.size, 2);
    assert.equal(queue.unfinishedTasks, 2);
    assert.deepEqual(drain(queue), [1, 2]);
  });

  it("a waiting putter whose item cannot be ordered is rejected, the next one enters", async () => {
    const queue = new PriorityQueue<unknown>({ maxsize: 1 });
    queue.tryPut(5);
    const bad = track(queue.put("x"));
    const good = track(queue.put(7));
    assert.equal(await queue.get(), 5);
    await settle();
    // "x" entered the empty heap without a comparison; 7 waits behind it.
    assert.deepEqual([bad.state, good.state], ["fulfilled", "pending"]);
    assert.equal(await queue.get(), "x");
    await settle();
    assert.equal(good.state, "fulfilled");

    const strict = new PriorityQueue<unknown>({ maxsize: 2 });
    strict.tryPut(1);
    strict.tryPut(2);
    const refused = track(strict.put("y"));
    const accepted = track(strict.put(3));
    assert.equal(await strict.get(), 1);
    await settle();
    assert.equal(refused.state, "rejected");
    assert.ok(refused.reason instanceof TypeError);
    assert.equal(accepted.state, "fulfilled");
    assert.deepEqual(drain(strict), [2, 3]);
  });

  it("waits and shuts down like a Queue", async () => {
    const queue = new PriorityQueue<number>({ maxsize: 2 });
    assert.ok(queue instanceof Queue);
    const getter = track(queue.get());
    await queue.put(4);
    await settle();
    assert.equal(getter.value, 4);
    queue.tryPut(9);
    queue.tryPut(3);
    const putter = track(queue.put(1));
    assert.equal(await queue.get(), 3);
    await settle();
    assert.equal(putter.state, "fulfilled");
    queue.shutdown();
    assert.deepEqual([await queue.get(), await queue.get()], [1, 9]);
    await assert.rejects(queue.get(), { name: "QueueShutDown" });
  });
});
