import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import fc from "fast-check";
import { map } from "../../src/async/map.js";
import { sleep } from "../../src/async/sleep.js";
import { type Deferred, deferred } from "../../src/internal/deferred.js";
import { CancelledError } from "../../src/internal/errors.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A function whose calls finish only when the test says so. */
function gated<T>() {
  const calls: { item: T; signal: AbortSignal; index: number; done: Deferred<T> }[] = [];
  let running = 0;
  let peak = 0;
  const fn = async (item: T, { signal, index }: { signal: AbortSignal; index: number }) => {
    running++;
    peak = Math.max(peak, running);
    const done = deferred<T>();
    calls.push({ item, signal, index, done });
    signal.addEventListener("abort", () => done.reject(signal.reason));
    try {
      return await done.promise;
    } finally {
      running--;
    }
  };
  return { fn, calls, get running() { return running; }, get peak() { return peak; } };
}

async function* counting(log: { pulled: number; closed: boolean }, limit = Number.POSITIVE_INFINITY) {
  try {
    for (let i = 0; i < limit; i++) {
      log.pulled++;
      yield i;
    }
  } finally {
    log.closed = true;
  }
}

describe("map", () => {
  it("maps arrays, iterables and async iterables, in input order", async () => {
    const double = async (n: number) => n * 2;
    function* gen() { yield* [1, 2, 3]; }
    async function* agen() { yield* [1, 2, 3]; }
    assert.deepEqual(await map([1, 2, 3], double, { concurrency: 2 }).toArray(), [2, 4, 6]);
    assert.deepEqual(await map(new Set([1, 2, 3]), double).toArray(), [2, 4, 6]);
    assert.deepEqual(await map(gen(), double, { concurrency: 1 }).toArray(), [2, 4, 6]);
    assert.deepEqual(await map(agen(), double, { concurrency: 3 }).toArray(), [2, 4, 6]);
    assert.deepEqual(await map([], double).toArray(), []);
    const out: number[] = [];
    for await (const value of map(agen(), double, { concurrency: 2 })) out.push(value);
    assert.deepEqual(out, [2, 4, 6]);
    assert.deepEqual(await map([1, 2, 3], double, { concurrency: Number.POSITIVE_INFINITY }).toArray(), [2, 4, 6]);
  });

  it("passes each item's index", async () => {
    assert.deepEqual(await map(["a", "b", "c"], async (s, { index }) => `${s}${index}`).toArray(), ["a0", "b1", "c2"]);
  });

  it("keeps input order when ordered, and completion order when not", async () => {
    for (const ordered of [true, false]) {
      const g = gated<number>();
      const it = map([0, 1, 2], g.fn, { concurrency: 3, ordered });
      const results = it.toArray();
      await tick();
      assert.equal(g.calls.length, 3);
      for (const i of [2, 0, 1]) {
        g.calls[i].done.resolve(i);
        await tick();
      }
      assert.deepEqual(await results, ordered ? [0, 1, 2] : [2, 0, 1]);
    }
  });

  it("runs exactly `concurrency` calls at once, never more", async () => {
    for (const source of ["array", "iterable", "async"] as const) {
      const g = gated<number>();
      const items = Array.from({ length: 20 }, (_, i) => i);
      const src = source === "array" ? items : source === "iterable" ? new Set(items) : counting({ pulled: 0, closed: false }, 20);
      const results = map(src as Iterable<number>, g.fn, { concurrency: 4 }).toArray();
      let resolved = 0;
      while (resolved < 20) {
        await tick();
        if (resolved <= 16) assert.equal(g.running, 4, `${source}: ${g.running} in flight after ${resolved} done`);
        g.calls[resolved].done.resolve(resolved);
        resolved++;
      }
      assert.equal((await results).length, 20);
      assert.equal(g.peak, 4);
    }
  });

  it("pulls nothing before the first next(), then only what a worker can take", async () => {
    const log = { pulled: 0, closed: false };
    const g = gated<number>();
    const it = map(counting(log), g.fn, { concurrency: 3 });
    await tick();
    assert.equal(log.pulled, 0);
    const first = it.next();
    await tick();
    assert.equal(log.pulled, 3);
    g.calls[0].done.resolve(0);
    assert.deepEqual(await first, { value: 0, done: false });
    await tick();
    assert.equal(log.pulled, 4);
    await it.return?.();
    assert.equal(log.closed, true);
  });

  it("stops pulling an endless source while the consumer is slow (memory stays flat)", async () => {
    const log = { pulled: 0, closed: false };
    const it = map(counting(log), async (n) => n, { concurrency: 8 });
    assert.deepEqual(await it.next(), { value: 0, done: false });
    for (let i = 0; i < 50; i++) await tick();
    const ahead = log.pulled;
    assert.ok(ahead <= 1 + 2 * 8 + 1, `pulled ${ahead} items ahead of a consumer that took 1`);
    for (let i = 1; i < 1000; i++) assert.equal((await it.next()).value, i);
    for (let i = 0; i < 50; i++) await tick();
    assert.ok(log.pulled - 1000 <= 2 * 8 + 1, `pulled ${log.pulled} for 1000 taken`);
    await it.return?.();
    assert.equal(log.closed, true);
  });

  it("stops at the first error: aborts the work in flight, waits for it, then throws", async () => {
    const log = { pulled: 0, closed: false };
    const g = gated<number>();
    const boom = new Error("boom");
    const it = map(counting(log), g.fn, { concurrency: 3 });
    const out: number[] = [];
    const loop = (async () => {
      for await (const value of it) out.push(value);
    })();
    const outcome = loop.then(
      () => undefined,
      (error: unknown) => error,
    );
    await tick();
    g.calls[0].done.resolve(0);
    await tick();
    assert.equal(g.calls.length, 4);
    g.calls[2].done.reject(boom);
    await tick();
    const inFlight = g.calls.filter((c) => c.index !== 0 && c.index !== 2);
    for (const call of inFlight) {
      assert.equal(call.signal.aborted, true);
      assert.ok(call.signal.reason instanceof CancelledError);
      assert.equal(call.signal.reason.cause, boom);
    }
    assert.equal(await outcome, boom);
    assert.deepEqual(out, [0]);
    assert.equal(g.running, 0, "nothing is left running when the error is thrown");
    assert.equal(log.closed, true);
    assert.equal(g.calls.length, 4, "no item pulled after the error");
  });

  it("collectErrors yields every outcome in place instead of stopping", async () => {
    const results = await map(
      [1, 2, 3],
      async (n) => {
        if (n === 2) throw new Error("two");
        return n;
      },
      { collectErrors: true, concurrency: 1 },
    ).toArray();
    assert.deepEqual(results[0], { status: "fulfilled", value: 1 });
    assert.equal(results[1].status, "rejected");
    assert.equal((results[1] as PromiseRejectedResult).reason.message, "two");
    assert.deepEqual(results[2], { status: "fulfilled", value: 3 });
  });

  it("leaving a for-await loop early aborts the work in flight and closes the source", async () => {
    const log = { pulled: 0, closed: false };
    function* endless() {
      try {
        for (let i = 0; ; i++) {
          log.pulled++;
          yield i;
        }
      } finally {
        log.closed = true;
      }
    }
    const signals: AbortSignal[] = [];
    for await (const value of map(
      endless(),
      async (n, { signal }) => {
        signals.push(signal);
        if (n === 0) return n;
        await sleep(600_000, { signal });
        return n;
      },
      { concurrency: 4 },
    )) {
      assert.equal(value, 0);
      break;
    }
    assert.equal(log.closed, true);
    assert.equal(signals.length, log.pulled, "each pulled item was started");
    assert.ok(signals.length >= 4);
    assert.ok(signals.every((s) => s.aborted), "the calls in flight were aborted");
  });

  it("an outer signal stops the run with its reason, and nothing is left pending", async () => {
    const controller = new AbortController();
    const reason = new Error("outer");
    const g = gated<number>();
    const pending = map([1, 2, 3, 4], g.fn, { concurrency: 2, signal: controller.signal }).toArray();
    await tick();
    controller.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
    assert.ok(g.calls.every((c) => c.signal.aborted && c.signal.reason === reason));
    await assert.rejects(map([1], async (n) => n, { signal: AbortSignal.abort(reason) }).toArray(), (e) => e === reason);
  });

  it("reports a failing source as the error", async () => {
    const bad = new Error("source broke");
    function* gen() {
      yield 1;
      throw bad;
    }
    async function* agen() {
      yield 1;
      throw bad;
    }
    await assert.rejects(map(gen(), async (n) => n).toArray(), (e) => e === bad);
    await assert.rejects(map(agen(), async (n) => n).toArray(), (e) => e === bad);
  });

  it("runs fn in the AsyncLocalStorage context of the caller of map()", async () => {
    const als = new AsyncLocalStorage<string>();
    const it = als.run("creator", () => map([1, 2, 3], async () => {
      await sleep(1);
      return als.getStore();
    }, { concurrency: 2 }));
    const seen = await als.run("consumer", () => it.toArray());
    assert.deepEqual(seen, ["creator", "creator", "creator"]);
  });

  it("keeps order and the concurrency bound whatever order calls finish in (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        fc.infiniteStream(fc.nat()),
        async (n, concurrency, ordered, iterate, picks) => {
          const g = gated<number>();
          const items = Array.from({ length: n }, (_, i) => i);
          const run = map(items, g.fn, { concurrency, ordered });
          const out: number[] = [];
          const finished = iterate
            ? (async () => {
                for await (const v of run) out.push(v);
                return out;
              })()
            : run.toArray();
          const order: number[] = [];
          const pick = picks[Symbol.iterator]();
          while (order.length < n) {
            await tick();
            const open = g.calls.filter((c) => !order.includes(c.index));
            assert.ok(open.length <= concurrency);
            const call = open[(pick.next().value as number) % open.length];
            order.push(call.index);
            call.done.resolve(call.item);
          }
          const result = await finished;
          assert.deepEqual(result, ordered ? items : order);
          assert.ok(g.peak <= concurrency);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("runs every item at once with concurrency Infinity", async () => {
    const g = gated<number>();
    const results = map([0, 1, 2, 3, 4], g.fn, { concurrency: Number.POSITIVE_INFINITY }).toArray();
    await tick();
    assert.equal(g.running, 5);
    for (const call of g.calls) call.done.resolve(call.item);
    assert.deepEqual(await results, [0, 1, 2, 3, 4]);
  });

  it("toArray() after iteration started collects the rest", async () => {
    const run = map([1, 2, 3, 4], async (n) => n, { concurrency: 2 });
    assert.deepEqual(await run.next(), { value: 1, done: false });
    assert.deepEqual(await run.toArray(), [2, 3, 4]);
    assert.deepEqual(await run.next(), { value: undefined, done: true });
  });

  it("collectErrors works when iterating, in order", async () => {
    const seen: string[] = [];
    for await (const outcome of map(
      [1, 2, 3],
      async (n) => {
        if (n === 1) throw new Error("one");
        return n;
      },
      { collectErrors: true },
    )) {
      seen.push(outcome.status === "fulfilled" ? String(outcome.value) : (outcome.reason as Error).message);
    }
    assert.deepEqual(seen, ["one", "2", "3"]);
  });

  it("refuses bad input with errors naming the option and value", () => {
    const fn = async (n: number) => n;
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => map([1], fn, { concurrency: bad }), {
        name: "RangeError",
        message: `Cannot map as 'concurrency' must be a positive integer or Infinity: received ${bad}`,
      });
    }
    assert.throws(() => map([1], fn, { concurrency: "2" as unknown as number }), { name: "TypeError", message: /'concurrency'.*received "2"/ });
    assert.throws(() => map(5 as unknown as number[], fn), { name: "TypeError", message: /'source' must be an iterable or async iterable: received 5/ });
    assert.throws(() => map([1], null as unknown as typeof fn), { name: "TypeError", message: /'fn' must be a function: received null/ });
    assert.throws(() => map([1], fn, { ordered: 1 as unknown as boolean }), { name: "TypeError", message: /'ordered' must be a boolean: received 1/ });
  });
});
