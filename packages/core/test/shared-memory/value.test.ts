import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SharedArray, sharedArray, Value } from "../../src/shared-memory/index.js";
import { start } from "./fixtures/run.js";

describe("Value", () => {
  it("float64 and bigint64 add() from two workers lose no update", async () => {
    const v = new Value("float64", 0);
    const b = new Value("bigint64", 0n);
    const x = start("valueOps", v, b, 100_000);
    const y = start("valueOps", v, b, 100_000);
    await Promise.all([x.result, y.result, x.exited, y.exited]);
    assert.equal(v.value, 100_000);
    assert.equal(b.value, 200_000n);
  });

  it("has atomic add, sub, exchange and compareExchange returning the previous value", () => {
    const v = new Value("int32", 5);
    assert.equal(v.add(3), 5);
    assert.equal(v.sub(1), 8);
    assert.equal(v.exchange(10), 7);
    assert.equal(v.compareExchange(9, 1), 10, "no swap when the value differs");
    assert.equal(v.compareExchange(10, 1), 10);
    assert.equal(v.value, 1);
    const f = new Value("float32", 1.5);
    assert.equal(f.add(0.25), 1.5);
    assert.equal(f.load(), 1.75);
    assert.equal(f.compareExchange(1.75, -2), 1.75);
    assert.equal(f.value, -2);
    const u = new Value("uint32");
    u.sub(1);
    assert.equal(u.value, 2 ** 32 - 1);
  });

  it("names the type and value it refuses", () => {
    assert.throws(() => new Value("int128" as never), { name: "TypeError", message: /'type' must be one of int8, .*: received "int128"/ });
    assert.throws(() => new Value("bigint64", 1 as never), {
      name: "TypeError",
      message: "Cannot create Value as the value of a bigint64 Value must be a bigint: received 1",
    });
  });

  it("has a lock for compound updates", async () => {
    const v = new Value("float64", 2);
    assert.equal(await v.lock.acquire(), true);
    v.value = v.value * 3;
    v.lock.release();
    assert.equal(v.value, 6);
  });
});

describe("SharedArray and sharedArray()", () => {
  it("workers write into the same memory the main thread reads, with no copy", async () => {
    const n = 10_000;
    const array = new SharedArray("float64", n);
    const raw = sharedArray("float64", n);
    const a = start("fillArray", array, raw, 0, n / 2);
    const b = start("fillArray", array, raw, n / 2, n);
    await Promise.all([a.result, b.result, a.exited, b.exited]);
    for (let i = 0; i < n; i++) {
      if (array.array[i] !== i || raw[i] !== i * 2) assert.fail(`element ${i} not written`);
    }
    assert.ok(raw.buffer instanceof SharedArrayBuffer);
  });

  it("takes initial values and validates its length", () => {
    assert.deepEqual([...sharedArray("int32", [1, 2, 3])], [1, 2, 3]);
    assert.deepEqual([...new SharedArray("uint8", [7, 8]).array], [7, 8]);
    assert.throws(() => sharedArray("int32", -1), { name: "RangeError", message: /'length' must be a non-negative integer: received -1/ });
  });

  it("refuses initial values its type cannot hold, as Value does, naming the element and the value", () => {
    assert.throws(() => sharedArray("int32", [1, 1.5]), {
      name: "RangeError",
      message: "Cannot create shared array as element 1 of the initial values must be an integer from -2147483648 to 2147483647: received 1.5",
    });
    assert.throws(() => sharedArray("int32", [Number.NaN]), { name: "RangeError", message: /element 0 .*: received NaN$/ });
    assert.throws(() => new SharedArray("int32", [0, 0, 2 ** 40]), {
      name: "RangeError",
      message: /^Cannot create SharedArray as element 2 of the initial values must be an integer .*: received 1099511627776$/,
    });
    assert.throws(() => sharedArray("uint8", [256]), { name: "RangeError", message: /from 0 to 255: received 256$/ });
    assert.throws(() => sharedArray("float32", [1e39]), { name: "RangeError", message: /element 0 .*: received 1e\+39$/ });
    assert.throws(() => sharedArray("biguint64", [-1n]), { name: "RangeError", message: /element 0 .*: received -1n$/ });
    assert.throws(() => sharedArray("int32", ["7" as never]), {
      name: "TypeError",
      message: `Cannot create shared array as element 0 of the initial values must be a number: received "7"`,
    });
    assert.throws(() => sharedArray("bigint64", [1 as never]), { name: "TypeError", message: /must be a bigint: received 1$/ });
    // What fits is kept exactly, at the edges too.
    assert.deepEqual([...sharedArray("int8", [-128, 127])], [-128, 127]);
    assert.deepEqual([...sharedArray("float64", [Number.NaN, 1.5])], [Number.NaN, 1.5]);
    assert.deepEqual([...sharedArray("biguint64", [2n ** 64n - 1n])], [2n ** 64n - 1n]);
  });
});
