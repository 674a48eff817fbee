import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PriorityQueue } from "../../src/async/priority-queue.js";
import { ProcessPool } from "../../src/pool/process-pool.js";
import { runCommands } from "../../src/pool/run-commands.js";
import { ThreadPool } from "../../src/pool/thread-pool.js";
import { Manager, SharedArray, SharedQueue, sharedArray, Value } from "../../src/shared-memory/index.js";
import { TraceRecorder } from "../../src/trace/index.js";

/** Asserts a TypeError or RangeError whose message names `option` and says it received null. */
function refusesNull(make: () => unknown, option: string): void {
  assert.throws(make, (error: Error) => {
    assert.ok(error instanceof TypeError || error instanceof RangeError, `${option}: ${error}`);
    assert.match(error.message, new RegExp(`'${option}'.*received null`));
    return true;
  });
}

describe("null is refused like any other bad option value, never read as the default", () => {
  it("pool options", () => {
    for (const Pool of [ThreadPool, ProcessPool]) {
      for (const option of ["workers", "maxTasksPerChild", "idleTimeout", "retries", "abortGrace"]) {
        refusesNull(() => new Pool({ [option]: null }), option);
      }
    }
  });

  it("trace, queues, commands and the manager", async () => {
    refusesNull(() => new TraceRecorder({ limit: null as unknown as number }), "limit");
    refusesNull(() => new SharedQueue({ capacity: null as unknown as number }), "capacity");
    refusesNull(() => new SharedQueue({ messageSize: null as unknown as number }), "messageSize");
    refusesNull(() => new PriorityQueue({ compare: null as unknown as () => number }), "compare");
    await assert.rejects(runCommands([], { concurrency: null as unknown as number }), /'concurrency'.*received null/);
    await assert.rejects(Manager.start({ transport: null as unknown as "unix" }), /'transport'.*received null/);
    await using manager = await Manager.start();
    refusesNull(() => manager.queue({ maxsize: null as unknown as number }), "maxsize");
  });
});

describe("Value refuses a value that does not fit its type", () => {
  const cases: [type: "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "float32", bad: number[], good: number[]][] = [
    ["int8", [128, -129, 1.5], [127, -128]],
    ["uint8", [256, -1, 0.5], [255, 0]],
    ["int16", [2 ** 15, -(2 ** 15) - 1], [2 ** 15 - 1]],
    ["uint16", [2 ** 16, -1], [2 ** 16 - 1]],
    ["int32", [1.5, Number.NaN, 2 ** 40, Number.POSITIVE_INFINITY, 2 ** 31], [2 ** 31 - 1, -(2 ** 31)]],
    ["uint32", [2 ** 32, -1, Number.NaN], [2 ** 32 - 1]],
    ["float32", [1e39, -1e39], [1.5, Number.NaN, Number.POSITIVE_INFINITY, 3.4e38]],
  ];
  for (const [type, bad, good] of cases) {
    it(`${type}: ${bad.join(", ")} are RangeErrors naming the value; ${good.join(", ")} are stored`, () => {
      const v = new Value(type);
      for (const x of bad) {
        const shown = String(x);
        assert.throws(() => new Value(type, x), (e: Error) => e instanceof RangeError && e.message.includes(shown), `new ${shown}`);
        assert.throws(() => v.store(x), (e: Error) => e instanceof RangeError && e.message.includes(shown), `store ${shown}`);
        assert.throws(() => v.add(x), RangeError);
        assert.throws(() => v.exchange(x), RangeError);
      }
      assert.equal(v.load(), 0, "a refused value changed nothing");
      for (const x of good) {
        v.store(x);
        assert.ok(Object.is(v.load(), type === "float32" ? Math.fround(x) : x));
      }
    });
  }

  it("bigint64 and biguint64: out-of-range bigints are RangeErrors", () => {
    assert.throws(() => new Value("bigint64", 2n ** 63n), /received 9223372036854775808n/);
    assert.throws(() => new Value("biguint64", -1n), RangeError);
    assert.equal(new Value("bigint64", -(2n ** 63n)).load(), -(2n ** 63n));
    assert.equal(new Value("biguint64", 2n ** 64n - 1n).load(), 2n ** 64n - 1n);
  });

  it("float64 takes every number", () => {
    const v = new Value("float64", Number.NaN);
    assert.ok(Number.isNaN(v.load()));
    v.store(Number.MAX_VALUE);
    assert.equal(v.load(), Number.MAX_VALUE);
  });
});

describe("shared arrays too large to allocate", () => {
  it("fail with a RangeError naming 'length', its value and the type", () => {
    assert.throws(() => sharedArray("float64", 2 ** 40), (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /'length' 1099511627776 of float64/);
      return true;
    });
    assert.throws(() => new SharedArray("int8", 2 ** 40), /'length' 1099511627776 of int8/);
  });
});

describe("SharedQueue capacity", () => {
  for (const capacity of [1, 3, 5]) {
    it(`holds exactly ${capacity} message(s) with capacity ${capacity}`, () => {
      const queue = new SharedQueue<number>({ capacity, messageSize: 8 });
      assert.equal(queue.capacity, capacity);
      for (let i = 0; i < capacity; i++) assert.deepEqual(queue.tryPut(i), { state: "ok" });
      assert.deepEqual(queue.tryPut(99), { state: "full" });
      assert.equal(queue.size, capacity);
      // Around the ring several times: the limit holds on every lap.
      for (let lap = 0; lap < 10; lap++) {
        assert.deepEqual(queue.tryGet(), { state: "ok", value: lap });
        assert.deepEqual(queue.tryPut(capacity + lap), { state: "ok" });
        assert.deepEqual(queue.tryPut(99), { state: "full" });
      }
    });
  }
});
