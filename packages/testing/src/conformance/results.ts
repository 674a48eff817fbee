/**
 * Results: submit, run, map, starmap, imap, imapUnordered and applyAsync return each task's true result, in the promised order.
 * Part of the executor contract suite (`juggle-testing/conformance`).
 */
import assert from "node:assert/strict";
import { TimeoutError } from "juggle-core";
import { it } from "node:test";
import { drain, type Suite, t } from "./context.js";

export function resultsContract({ two }: Suite): void {
  it("submit() and run() resolve to the task's result", async () => {
    await using ex = two();
    assert.equal(await ex.submit(t.square, 7), 49);
    assert.equal(await ex.run(t.add, [2, 3]), 5);
    assert.deepEqual(await ex.submit(t.echo, { a: [1, "x", null] }), { a: [1, "x", null] });
    assert.equal(await ex.submit(t.later, "async", 1), "async");
  });

  it("many tasks submitted in one tick all resolve, each to its own result", async () => {
    await using ex = two();
    const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => ex.submit(t.square, i)));
    assert.deepEqual(
      results,
      Array.from({ length: 2000 }, (_, i) => i * i),
    );
  });

  it("map() keeps input order over arrays, iterables and async iterables, for every chunk size", async () => {
    await using ex = two();
    const items = Array.from({ length: 101 }, (_, i) => i);
    const expected = items.map((x) => x * x);
    assert.deepEqual(await ex.map(t.square, items), expected);
    assert.deepEqual(await ex.map(t.square, items, { chunksize: 1 }), expected);
    assert.deepEqual(await ex.map(t.square, items, { chunksize: 7 }), expected);
    assert.deepEqual(await ex.map(t.square, items, { chunksize: "auto" }), expected);
    assert.deepEqual(await ex.map(t.square, new Set(items)), expected);
    async function* gen() {
      for (const x of items) yield x;
    }
    assert.deepEqual(await ex.map(t.square, gen()), expected);
    assert.deepEqual(await ex.map(t.square, []), []);
    assert.deepEqual(await ex.starmap(t.add, [[1, 2], [3, 4], [5, 6]]), [3, 7, 11]);
  });

  it("map() over many numbers returns exactly the task's results (NaN, -0, fractions, non-numbers)", async () => {
    await using ex = two();
    const items = Array.from({ length: 3000 }, (_, i) => (i === 5 ? Number.NaN : i === 6 ? -0 : i / 7));
    const squares = await ex.map(t.echo, items, { chunksize: 1000 });
    assert.equal(squares.length, 3000);
    assert.ok(Number.isNaN(squares[5]));
    assert.ok(Object.is(squares[6], -0));
    assert.deepEqual(squares.slice(7), items.slice(7));
    assert.ok(Array.isArray(squares));
    const strings = await ex.map(t.echo, items.map(String), { chunksize: 1000 });
    assert.deepEqual(strings, items.map(String));
    const mixed = await ex.map(t.failAt3, Array.from({ length: 200 }, (_, i) => i + 4), { chunksize: 100 });
    assert.deepEqual(mixed, Array.from({ length: 200 }, (_, i) => i + 4));
    const seen: number[] = [];
    for await (const v of ex.imap(t.square, Array.from({ length: 500 }, (_, i) => i), { chunksize: 100 })) seen.push(v);
    assert.deepEqual(seen, Array.from({ length: 500 }, (_, i) => i * i));
  });

  it("imap() yields in input order and pulls its source lazily", async () => {
    await using ex = two();
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield i;
      }
    }
    const it = ex.imap(t.square, source(), { chunksize: 1 });
    const first = await it.next();
    assert.deepEqual(first, { value: 0, done: false });
    assert.ok(pulled < 1000, `pulled ${pulled} of 1000 items before the first result was consumed`);
    const rest = await drain(it);
    assert.deepEqual(
      [0, ...rest],
      Array.from({ length: 1000 }, (_, i) => i * i),
    );
  });

  it("imapUnordered() yields every result exactly once", async () => {
    await using ex = two();
    async function* gen() {
      for (let i = 0; i < 50; i++) yield i;
    }
    const out = await drain(ex.imapUnordered(t.square, gen()));
    assert.deepEqual(
      out.sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i * i),
    );
  });

  it("imap() stops at a failing item after yielding the ones before it, and break stops the source", async () => {
    await using ex = two();
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const v of ex.imap(t.failAt3, [0, 1, 2, 3, 4, 5], { chunksize: 1 })) seen.push(v);
      })(),
      { name: "RangeError", message: "bad item 3" },
    );
    assert.deepEqual(seen, [0, 1, 2]);
    let pulled = 0;
    function* source() {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    for await (const v of ex.imap(t.square, source(), { chunksize: 1 })) {
      if (v >= 9) break;
    }
    const after = pulled;
    assert.ok(after < 100, `an infinite source was pulled ${after} times`);
  });

  it("applyAsync() reports through its AsyncResult and callbacks", async () => {
    await using ex = two();
    let called: unknown;
    const ok = ex.applyAsync(t.square, [6], { callback: (v) => (called = v) });
    assert.equal(await ok.get(), 36);
    await ok.wait();
    assert.equal(ok.ready(), true);
    assert.equal(ok.successful(), true);
    assert.equal(called, 36);
    let failedWith: unknown;
    const bad = ex.applyAsync(t.fail, ["nope"], { errorCallback: (e) => (failedWith = e) });
    await bad.wait();
    assert.equal(bad.successful(), false);
    assert.equal((failedWith as Error).message, "nope");
    await assert.rejects(bad.get(), { name: "CustomError" });
    const controller = new AbortController();
    const pending = ex.applyAsync(t.waitForAbort, [], { signal: controller.signal });
    assert.equal(pending.ready(), false);
    assert.throws(() => pending.successful(), { code: "ERR_JUGGLE_NOT_READY", message: /has not finished/ });
    await assert.rejects(pending.get(5), TimeoutError);
    controller.abort(new Error("stop waiting"));
    await pending.wait();
    assert.equal(pending.successful(), false);
  });
}
