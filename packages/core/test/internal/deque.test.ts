import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Deque } from "../../src/internal/deque.js";
import { WaiterList } from "../../src/internal/waiters.js";

describe("Deque", () => {
  it("behaves like an array used as a double-ended queue", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer().map((n) => ["push", n] as const), fc.integer().map((n) => ["unshift", n] as const), fc.constant(["shift"] as const), fc.constant(["pop"] as const))),
        (ops) => {
          const d = new Deque<number>(4);
          const model: number[] = [];
          for (const op of ops) {
            if (op[0] === "push") { d.push(op[1]); model.push(op[1]); }
            else if (op[0] === "unshift") { d.unshift(op[1]); model.unshift(op[1]); }
            else if (op[0] === "shift") assert.equal(d.shift(), model.shift());
            else assert.equal(d.pop(), model.pop());
            assert.equal(d.length, model.length);
            assert.equal(d.peekFront(), model[0]);
            assert.equal(d.peekBack(), model[model.length - 1]);
          }
          assert.deepEqual([...d], model);
          assert.deepEqual(d.drain(), model);
          assert.equal(d.length, 0);
        },
      ),
    );
  });
});

describe("WaiterList", () => {
  it("serves in FIFO order and removes any node in place", () => {
    const list = new WaiterList<string>();
    const a = list.push("a");
    list.push("b");
    const c = list.push("c");
    list.push("d");
    assert.equal(list.remove(c), true);
    assert.equal(list.remove(c), false, "a removed node is ignored");
    assert.equal(list.remove(a), true);
    assert.equal(list.length, 2);
    assert.deepEqual(list.drain(), ["b", "d"]);
    assert.equal(list.shift(), undefined);
  });
});
