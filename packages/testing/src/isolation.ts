/**
 * The argument-isolation part of the executor contract, run by
 * {@link executorConformance} for every backend: what each task sees of its
 * arguments.
 *
 * - Executors that copy arguments (ThreadPool, ProcessPool, RedisPool: the
 *   tasks run elsewhere) give every call its own copy, like Python pickling
 *   each `submit`/`apply_async` and piscina cloning each `run`, however many
 *   calls share an object and however they are batched. A `map` chunk of
 *   several items is copied as one graph, like Python's one pickle per chunk:
 *   an object repeated inside one chunk is one object there. Objects backed by
 *   a SharedArrayBuffer (`Value`, `Lock`, shared arrays) stay shared.
 * - InlineExecutor runs tasks in the caller's thread and shares arguments,
 *   like a direct call and like Python's `ThreadPoolExecutor` (threads share
 *   memory): copying would cost every call a clone for no isolation a caller
 *   of the same thread needs. Its {@link Capabilities.copiesArguments} is false.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Executor } from "juggle-core";
import { Value } from "juggle-core/shared-memory";
import type { Capabilities, Factory } from "./conformance.js";
import { t } from "./conformance.js";

/** Defines the argument-isolation tests for one executor (called by `executorConformance`). */
export function argumentIsolation(name: string, caps: Capabilities, make: Factory): void {
  const copies = caps.copiesArguments ?? (caps.isolated || caps.remote === true);
  const two = (): Executor => make({ workers: 2 });

  describe(`${name} (argument isolation: ${copies ? "each call its own copy" : "arguments shared, as in a direct call"})`, () => {
    it(copies ? "2,000 submits of one object each see their own copy" : "2,000 submits of one object share it", async () => {
      await using ex = two();
      const cfg = { n: 0 };
      const results = await Promise.all(Array.from({ length: 2000 }, () => ex.submit(t.bump, cfg)));
      if (copies) {
        assert.deepEqual(new Set(results), new Set([1]));
        assert.equal(cfg.n, 0);
      } else {
        assert.equal(cfg.n, 2000);
        assert.deepEqual(
          [...results].sort((a, b) => a - b),
          Array.from({ length: 2000 }, (_, i) => i + 1),
        );
      }
    });

    it("run, applyAsync and map/starmap/imap with chunksize 1 give each call its arguments", async () => {
      await using ex = two();
      const cfg = { n: 0 };
      const runs = Array.from({ length: 50 }, () => ex.run(t.bump, [cfg]));
      const applied = Array.from({ length: 50 }, () => ex.applyAsync(t.bump, [cfg]).get());
      const mapped = ex.map(t.bump, Array(50).fill(cfg), { chunksize: 1 });
      const starred = ex.starmap(t.bump, Array(50).fill([cfg]), { chunksize: 1 });
      const streamed = (async () => {
        const out: number[] = [];
        for await (const n of ex.imapUnordered(t.bump, Array(50).fill(cfg), { chunksize: 1 })) out.push(n);
        return out;
      })();
      const all = [
        ...(await Promise.all(runs)),
        ...(await Promise.all(applied)),
        ...(await mapped),
        ...(await starred),
        ...(await streamed),
      ];
      assert.equal(all.length, 250);
      if (copies) assert.deepEqual(new Set(all), new Set([1]));
      else assert.equal(cfg.n, 250);
    });

    it("distinct arguments that share a nested object", async () => {
      await using ex = two();
      const inner = { n: 0 };
      const results = await Promise.all(Array.from({ length: 200 }, () => ex.submit(t.bumpInner, { inner })));
      if (copies) assert.deepEqual(new Set(results), new Set([1]));
      else assert.equal(inner.n, 200);
    });

    it("the same object repeated inside one map chunk is one object there (one copy per chunk, as Python pickles a chunk once)", async () => {
      await using ex = two();
      const o = { n: 0 };
      const results = await ex.map(t.bump, [o, o, o, o], { chunksize: 4 });
      assert.deepEqual(results, [1, 2, 3, 4]);
      assert.equal(o.n, copies ? 0 : 4);
    });

    if (caps.sharedMemory) {
      it("objects backed by a SharedArrayBuffer stay shared, also nested and submitted in one batch", async () => {
        await using ex = two();
        const counter = new Value("int32", 0);
        const holder = { counter };
        await Promise.all([
          ...Array.from({ length: 300 }, () => ex.submit(t.addTo, counter as never, 1)),
          ...Array.from({ length: 300 }, () => ex.submit(t.addToNested, holder as never, 1)),
        ]);
        assert.equal(counter.load(), 600);
      });
    }
  });
}
