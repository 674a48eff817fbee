import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SharedQueue } from "../../src/shared-memory/index.js";

type Op = { op: "put"; value: number | string } | { op: "get" } | { op: "close" };

/** Moves an empty queue's head and tail to `start`, as if that many messages had passed. */
function startAt(queue: SharedQueue<unknown>, start: number): void {
  const i32 = new Int32Array(queue.buffer);
  const stride = (8 + queue.messageSize) / 4;
  const slots = i32[96] as number; // the ring's slots: `capacity` rounded up to a power of two
  const mask = slots - 1;
  for (let k = 0; k < slots; k++) {
    const pos = (start + k) & 0x7fffffff;
    i32[128 + (pos & mask) * stride] = pos;
  }
  i32[0] = start;
  i32[16] = start;
}

describe("SharedQueue against a model", () => {
  it("tryPut/tryGet/close behave like a bounded FIFO array, wherever the positions start", () => {
    const op = fc.oneof(
      { weight: 5, arbitrary: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })).map((value): Op => ({ op: "put", value })) },
      { weight: 5, arbitrary: fc.constant<Op>({ op: "get" }) },
      { weight: 1, arbitrary: fc.constant<Op>({ op: "close" }) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 0x7fffffff - 20, max: 0x7fffffff })),
        fc.array(op, { maxLength: 60 }),
        (requested, start, ops) => {
          const queue = new SharedQueue<number | string>({ capacity: requested, messageSize: 16 });
          startAt(queue, start);
          const model: (number | string)[] = [];
          let closed = false;
          for (const o of ops) {
            if (o.op === "put") {
              const expected: string = closed ? "closed" : model.length === queue.capacity ? "full" : "ok";
              assert.equal(queue.tryPut(o.value).state, expected);
              if (expected === "ok") model.push(o.value);
            } else if (o.op === "get") {
              const r = queue.tryGet();
              if (model.length > 0) assert.deepEqual(r, { state: "ok", value: model.shift() });
              else assert.deepEqual(r, { state: closed ? "closed" : "empty" });
            } else {
              queue.close();
              closed = true;
            }
            assert.equal(queue.size, model.length);
            assert.equal(queue.closed, closed);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
