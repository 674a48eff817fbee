import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Batcher } from "../../src/async/batcher.js";
import { type Deferred, deferred } from "../../src/internal/deferred.js";
import { ExecutorClosedError } from "../../src/internal/errors.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A handler whose calls finish when the test says so. */
function gatedHandler() {
  const calls: { items: number[]; signal: AbortSignal; done: Deferred<number[]> }[] = [];
  const handler = (items: number[], { signal }: { signal: AbortSignal }) => {
    const done = deferred<number[]>();
    calls.push({ items, signal, done });
    return done.promise;
  };
  return { handler, calls, answer: (i: number) => calls[i].done.resolve(calls[i].items.map((n) => n * 10)) };
}

describe("Batcher", () => {
  it("sends a batch as soon as it holds `size` items and gives each item its own result", async () => {
    const g = gatedHandler();
    const batcher = new Batcher({ handler: g.handler, size: 3, delay: Number.POSITIVE_INFINITY });
    const results = [1, 2, 3, 4].map((n) => batcher.add(n));
    assert.equal(g.calls.length, 1);
    assert.deepEqual(g.calls[0].items, [1, 2, 3]);
    assert.equal(batcher.pending, 1);
    g.answer(0);
    assert.deepEqual(await Promise.all(results.slice(0, 3)), [10, 20, 30]);
    const closing = batcher.close();
    assert.deepEqual(g.calls[1].items, [4]);
    g.answer(1);
    await closing;
    assert.equal(await results[3], 40);
  });

  it("sends a batch `delay` ms after its first item, not later and not sooner", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const g = gatedHandler();
    const batcher = new Batcher({ handler: g.handler, size: 100, delay: 50 });
    const a = batcher.add(1);
    t.mock.timers.tick(30);
    const b = batcher.add(2); // does not restart the batch's clock
    t.mock.timers.tick(19);
    assert.equal(g.calls.length, 0);
    t.mock.timers.tick(1);
    assert.equal(g.calls.length, 1);
    assert.deepEqual(g.calls[0].items, [1, 2]);
    g.answer(0);
    assert.deepEqual(await Promise.all([a, b]), [10, 20]);
    const c = batcher.add(3); // a new batch starts a new clock
    t.mock.timers.tick(49);
    assert.equal(g.calls.length, 1);
    t.mock.timers.tick(1);
    g.answer(1);
    assert.equal(await c, 30);
  });

  it("runs at most `concurrency` batches at once; further full batches wait in order", async () => {
    const g = gatedHandler();
    const batcher = new Batcher({ handler: g.handler, size: 2, delay: Number.POSITIVE_INFINITY, concurrency: 2 });
    const results = Array.from({ length: 8 }, (_, i) => batcher.add(i));
    assert.equal(g.calls.length, 2);
    assert.equal(batcher.inFlight, 2);
    assert.equal(batcher.pending, 4);
    g.answer(1);
    await tick();
    assert.equal(g.calls.length, 3);
    assert.deepEqual(g.calls[2].items, [4, 5]);
    g.answer(0);
    await tick();
    g.answer(2);
    g.answer(3);
    assert.deepEqual(await Promise.all(results), [0, 10, 20, 30, 40, 50, 60, 70]);
  });

  it("a handler that throws rejects every item of its batch, and only of its batch", async () => {
    const boom = new Error("db down");
    let call = 0;
    const batcher = new Batcher<number, number>({
      handler: async (items) => {
        if (call++ === 0) throw boom;
        return items;
      },
      size: 2,
      delay: Number.POSITIVE_INFINITY,
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.add(n)));
    assert.deepEqual(
      results.map((r) => r.status),
      ["rejected", "rejected", "fulfilled", "fulfilled"],
    );
    assert.equal((results[0] as PromiseRejectedResult).reason, boom);
    const sync = new Batcher<number, number>({
      handler: () => {
        throw boom;
      },
      size: 1,
    });
    await assert.rejects(sync.add(1), (error) => error === boom);
  });

  it("a handler that returns the wrong number of results rejects every item of the batch", async () => {
    const batcher = new Batcher<number, number>({ handler: async (items) => items.slice(1), size: 3 });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    for (const result of results) {
      assert.equal(result.status, "rejected");
      assert.match(
        String((result as PromiseRejectedResult).reason),
        /TypeError: Cannot resolve the batch as the handler must return an array of 3 results: received 2 results/,
      );
    }
    const notArray = new Batcher<number, number>({ handler: async () => "nope" as unknown as number[], size: 1 });
    await assert.rejects(notArray.add(1), /received "nope"/);
  });

  it("flush() sends the current batch at once and waits for every batch sent", async () => {
    const g = gatedHandler();
    const batcher = new Batcher({ handler: g.handler, size: 10, delay: Number.POSITIVE_INFINITY });
    const a = batcher.add(1);
    let flushed = false;
    const flushing = batcher.flush().then(() => {
      flushed = true;
    });
    assert.equal(g.calls.length, 1);
    await tick();
    assert.equal(flushed, false);
    g.answer(0);
    await flushing;
    assert.equal(await a, 10);
    await batcher.flush(); // nothing pending: resolves at once
  });

  it("close() sends what is pending and refuses new items with a clear error", async () => {
    const batcher = new Batcher<number, number>({ handler: async (items) => items, size: 10, delay: 600_000 });
    const a = batcher.add(1);
    await batcher.close();
    assert.equal(await a, 1);
    assert.equal(batcher.closed, true);
    await assert.rejects(batcher.add(2), (error) => error instanceof ExecutorClosedError && /batcher is closed/.test(error.message));
    await batcher.close(); // idempotent
  });

  it("await using closes the batcher when the block ends", async () => {
    let result: Promise<number> | undefined;
    let handled = 0;
    {
      await using batcher = new Batcher<number, number>({
        handler: async (items) => {
          handled += items.length;
          return items;
        },
        delay: 600_000,
      });
      result = batcher.add(5);
    }
    assert.equal(handled, 1);
    assert.equal(await result, 5);
  });

  it("an item whose signal aborts is withdrawn from its batch and rejects with the reason", async () => {
    const g = gatedHandler();
    const batcher = new Batcher({ handler: g.handler, size: 3, delay: Number.POSITIVE_INFINITY });
    const controller = new AbortController();
    const reason = new Error("not needed");
    const a = batcher.add(1);
    const b = batcher.add(2, { signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(b, (error) => error === reason);
    const c = batcher.add(3);
    const d = batcher.add(4);
    assert.deepEqual(g.calls[0].items, [1, 3, 4]);
    g.answer(0);
    assert.deepEqual(await Promise.all([a, c, d]), [10, 30, 40]);
  });

  it("the batcher's signal rejects every item not yet resolved and aborts the handlers", async () => {
    const g = gatedHandler();
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const batcher = new Batcher({ handler: g.handler, size: 2, delay: 600_000, signal: controller.signal });
    const results = [1, 2, 3].map((n) => batcher.add(n)); // one batch running, one item pending
    controller.abort(reason);
    for (const result of results) await assert.rejects(result, (error) => error === reason);
    assert.equal(g.calls[0].signal.aborted, true);
    await assert.rejects(batcher.add(4), (error) => error === reason);
    await batcher.close(); // does not wait for a handler that ignores the abort
  });

  it("runs the handler in the creator's AsyncLocalStorage context; callers resume in theirs", async () => {
    const als = new AsyncLocalStorage<string>();
    const handlerSaw: unknown[] = [];
    const batcher = als.run("creator", () =>
      new Batcher<number, number>({
        handler: async (items) => {
          handlerSaw.push(als.getStore());
          return items;
        },
        size: 2,
        delay: 600_000,
      }),
    );
    const seen = await Promise.all(
      ["a", "b"].map((name, i) =>
        als.run(name, async () => {
          await batcher.add(i);
          return als.getStore();
        }),
      ),
    );
    assert.deepEqual(seen, ["a", "b"]);
    assert.deepEqual(handlerSaw, ["creator"]);
  });

  it("delivers every item's result exactly once, whatever the sizes and flushes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.oneof(fc.constant("flush" as const), fc.integer({ min: 0, max: 1000 })), { maxLength: 40 }),
        async (size, concurrency, ops) => {
          let running = 0;
          let peak = 0;
          const sizes: number[] = [];
          const batcher = new Batcher<number, number>({
            handler: async (items) => {
              peak = Math.max(peak, ++running);
              sizes.push(items.length);
              await tick();
              running--;
              return items.map((n) => n + 1);
            },
            size,
            concurrency,
            delay: Number.POSITIVE_INFINITY,
          });
          const added: [number, Promise<number>][] = [];
          for (const op of ops) {
            if (op === "flush") void batcher.flush();
            else added.push([op, batcher.add(op)]);
          }
          await batcher.close();
          for (const [n, result] of added) assert.equal(await result, n + 1);
          assert.equal(sizes.reduce((a, b) => a + b, 0), added.length);
          assert.ok(sizes.every((s) => s <= size));
          assert.ok(peak <= concurrency);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("refuses bad options with errors naming them", () => {
    const handler = async (items: number[]) => items;
    assert.throws(() => new Batcher({ handler: "x" as unknown as typeof handler }), { name: "TypeError", message: /'handler' must be a function/ });
    for (const size of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new Batcher({ handler, size }), { name: "RangeError", message: new RegExp(`'size' must be a positive integer: received ${size}`) });
    }
    assert.throws(() => new Batcher({ handler, delay: -1 }), { name: "RangeError", message: /'delay'.*received -1/ });
    assert.throws(() => new Batcher({ handler, delay: "5" as unknown as number }), { name: "TypeError", message: /'delay'/ });
    assert.throws(() => new Batcher({ handler, concurrency: 0 }), { name: "RangeError", message: /'concurrency'.*received 0/ });
    assert.throws(() => new Batcher(undefined as unknown as { handler: typeof handler }), { name: "TypeError", message: /'handler'/ });
  });
});
