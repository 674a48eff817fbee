import assert from "node:assert/strict";
import { Socket } from "node:net";
import { describe, it } from "node:test";
import { allPlain, checkSendable, toTypedArray } from "../../src/executor/sendable.js";

describe("sendable values", () => {
  it("checkSendable() names the argument and the path of a function or symbol", () => {
    assert.doesNotThrow(() => checkSendable("run task 'f'", "args", [1, "x", null, undefined, { a: [1, 2] }, new Uint8Array(2)]));
    assert.throws(() => checkSendable("run task 'f'", "args", [1, () => 2]), {
      name: "TypeError",
      message: "Cannot run task 'f' as args[1] cannot be sent to a worker (functions and symbols cannot be cloned): received function (anonymous)",
    });
    assert.throws(() => checkSendable("run task 'f'", "args", [{ deep: [0, { fn: Symbol("s") }] }]), {
      message: /as args\[0\]\.deep\[1\]\.fn cannot be sent.*received Symbol\(s\)/,
    });
    assert.throws(() => checkSendable("map task 'f'", "items", [1, () => 2], 2, 40), { message: /items\[41\]/ });
  });

  it("checkSendable() catches a socket, whose listeners are functions", () => {
    const socket = new Socket();
    try {
      assert.throws(() => checkSendable("run task 'f'", "args", [socket]), { name: "TypeError", message: /args\[0\]\./ });
    } finally {
      socket.destroy();
    }
  });

  it("allPlain() is true only for primitives other than symbols", () => {
    assert.equal(allPlain([1, "a", true, null, undefined, 2n]), true);
    assert.equal(allPlain([1, {}]), false);
    assert.equal(allPlain([Symbol("x")]), false);
  });

  it("toTypedArray() keeps 32-bit integers in an Int32Array, other numbers in a Float64Array", () => {
    assert.ok(toTypedArray([1, 2, -3]) instanceof Int32Array);
    const floats = toTypedArray([1, 2.5, Number.NaN, 2 ** 40]);
    assert.ok(floats instanceof Float64Array);
    assert.deepEqual([...(floats as Float64Array)], [1, 2.5, Number.NaN, 2 ** 40]);
    const negativeZero = toTypedArray([0, -0]);
    assert.ok(negativeZero instanceof Float64Array, "-0 does not fit an Int32Array");
    assert.ok(Object.is((negativeZero as Float64Array)[1], -0));
    assert.equal(toTypedArray([1, "2"]), undefined);
  });
});
