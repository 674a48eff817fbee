/** The `buffersize` part of the executor contract (see ../conformance.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Factory, t } from "./context.js";

/**
 * `buffersize` (Python 3.14's `Executor.map(buffersize=)`): at most that
 * many items submitted ahead of the consumer, for `map`, `starmap`, `imap`
 * and `imapUnordered` of every executor.
 */
export function bufferConformance(name: string, make: Factory): void {
  describe(`${name} (map buffersize)`, () => {
    const buffersize = 3;

    /** An endless source that records, at every pull, how far it is ahead of `consumed()`. */
    function endless<T>(item: (i: number) => T, consumed: () => number, onPull?: (pulled: number) => void) {
      const state = { pulled: 0, worst: Number.NEGATIVE_INFINITY };
      function* source() {
        for (let i = 0; ; i++) {
          state.pulled++;
          state.worst = Math.max(state.worst, state.pulled - consumed() - buffersize);
          onPull?.(state.pulled);
          yield item(i);
        }
      }
      return { state, source: source() };
    }

    for (const method of ["imap", "imapUnordered"] as const) {
      for (const chunksize of [1, 2, undefined]) {
        it(`${method}() over an endless generator pulls at most buffersize items ahead of the consumer (chunksize ${chunksize ?? "default"})`, async () => {
          await using ex = make({ workers: 2 });
          let consumed = 0;
          const { state, source } = endless((i) => i, () => consumed);
          const seen: number[] = [];
          for await (const value of ex[method](t.square, source, { buffersize, chunksize })) {
            seen.push(value);
            consumed++;
            assert.ok(state.pulled <= consumed + buffersize, `pulled ${state.pulled} after consuming ${consumed}`);
            if (consumed === 20) break;
          }
          assert.ok(state.worst <= 0, `pulled ${state.worst} items beyond the buffer`);
          if (method === "imap") assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i * i));
          else {
            // Unordered: 20 distinct results, each the square of an item pulled (a slow one may still be out).
            const pulled = Array.from({ length: state.pulled }, (_, i) => i * i);
            assert.ok(seen.every((v) => pulled.includes(v)) && new Set(seen).size === 20, String(seen));
          }
        });
      }
    }

    for (const method of ["map", "starmap"] as const) {
      it(`${method}() over an endless generator keeps at most buffersize items unfinished, pulling lazily`, async () => {
        await using ex = make({ workers: 2 });
        const controller = new AbortController();
        const reason = new Error("enough");
        // map() consumes each result as it arrives: its consumer is the executor's count of finished tasks.
        const { state, source } = endless(
          (i) => (method === "map" ? i : [i, 1]),
          () => ex.stats().completed,
          (pulled) => {
            if (pulled === 30) controller.abort(reason);
          },
        );
        const run =
          method === "map"
            ? ex.map(t.square, source as Generator<number>, { buffersize, signal: controller.signal })
            : ex.starmap(t.add, source as Generator<[number, number]>, { buffersize, signal: controller.signal });
        await assert.rejects(run, (e) => e === reason);
        assert.equal(state.pulled, 30, "the map went on pulling after the abort");
        assert.ok(state.worst <= 0, `pulled ${state.worst} items beyond the buffer`);
      });
    }

    it("map(), starmap(), imap() and imapUnordered() refuse a buffersize that is not a positive integer, naming it", async () => {
      await using ex = make({ workers: 1 });
      for (const bad of [0, -1, 1.5, Number.NaN, "3"]) {
        const error = { name: typeof bad === "number" ? "RangeError" : "TypeError", message: /'buffersize' must be a positive integer/ };
        const options = { buffersize: bad as number };
        await assert.rejects(ex.map(t.square, [1], options), error);
        await assert.rejects(ex.starmap(t.add, [[1, 2]], options), error);
        await assert.rejects(ex.imap(t.square, [1], options).next(), error);
        await assert.rejects(ex.imapUnordered(t.square, [1], options).next(), error);
      }
      assert.equal(ex.stats().submitted, 0);
    });
  });
}
