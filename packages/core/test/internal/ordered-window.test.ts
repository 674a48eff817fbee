import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OrderedWindow } from "../../src/internal/ordered-window.js";

describe("OrderedWindow", () => {
  it("hands results out by position whatever order they arrive in, growing past its first size", async () => {
    let taken = 0;
    const window = new OrderedWindow<number>(true, () => taken++, 4);
    for (let i = 99; i >= 0; i--) window.put(i, i * 10);
    const out: number[] = [];
    for (let i = 0; i < 100; i++) out.push(((await window.next()) as IteratorYieldResult<number>).value);
    assert.deepEqual(out, Array.from({ length: 100 }, (_, i) => i * 10));
    assert.equal(taken, 100);
    assert.equal(window.taken, 100);
  });

  it("serves a consumer that waits before the result arrives, telling it was served", async () => {
    const served: boolean[] = [];
    const window = new OrderedWindow<string>(true, (s) => served.push(s));
    const first = window.next();
    window.put(1, "b");
    window.put(0, "a");
    assert.deepEqual(await first, { value: "a", done: false });
    assert.deepEqual(await window.next(), { value: "b", done: false });
    assert.deepEqual(served, [true, false]);
  });

  it("unordered: arrival order", async () => {
    const window = new OrderedWindow<string>(false, () => {});
    window.put(5, "x");
    window.put(2, "y");
    assert.deepEqual(await window.next(), { value: "x", done: false });
    assert.deepEqual(await window.next(), { value: "y", done: false });
  });

  it("after fail(), results already there come first, then the error once, then done", async () => {
    const window = new OrderedWindow<number>(true, () => {});
    const waiting = window.next();
    window.put(0, 1);
    window.put(2, 3); // not reachable: position 1 never arrived
    const boom = new Error("boom");
    window.fail(boom);
    assert.deepEqual(await waiting, { value: 1, done: false });
    await assert.rejects(window.next(), (e) => e === boom);
    assert.deepEqual(await window.next(), { value: undefined, done: true });
  });

  it("end() releases a waiting consumer with done", async () => {
    const window = new OrderedWindow<number>(true, () => {});
    const waiting = window.next();
    window.end();
    assert.deepEqual(await waiting, { value: undefined, done: true });
  });
});
