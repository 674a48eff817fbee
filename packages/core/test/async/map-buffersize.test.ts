import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { map } from "../../src/async/map.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An endless source that checks, at every pull, that it is not pulled more than `buffersize` ahead of the consumer. */
function watched(buffersize: number) {
  const state = { pulled: 0, consumed: 0, worst: Number.NEGATIVE_INFINITY };
  const check = () => {
    state.pulled++;
    state.worst = Math.max(state.worst, state.pulled - state.consumed - buffersize);
  };
  function* sync() {
    for (let i = 0; ; i++) {
      check();
      yield i;
    }
  }
  async function* async() {
    for (let i = 0; ; i++) {
      check();
      yield i;
    }
  }
  return { state, sync, async };
}

describe("map buffersize", () => {
  for (const kind of ["sync", "async"] as const) {
    for (const ordered of [true, false]) {
      it(`pulls at most buffersize items ahead of the consumer (${kind} source, ${ordered ? "ordered" : "unordered"})`, async () => {
        const buffersize = 3;
        const { state, sync, async } = watched(buffersize);
        const run = map(kind === "sync" ? sync() : async(), async (n) => n * 2, { buffersize, ordered, concurrency: 8 });
        const seen: number[] = [];
        let furthest = 0;
        for (let step = 0; step < 30; step++) {
          const result = await run.next();
          assert.equal(result.done, false);
          seen.push(result.value as number);
          state.consumed++;
          // Let the workers pull as far ahead as they may.
          await tick();
          assert.ok(state.pulled <= state.consumed + buffersize, `pulled ${state.pulled} after consuming ${state.consumed}`);
          assert.ok(state.pulled > state.consumed, "the run stopped pulling ahead");
          furthest = Math.max(furthest, state.pulled - state.consumed);
        }
        // The bound is reached, not just respected.
        assert.equal(furthest, buffersize);
        assert.ok(state.worst <= 0, `pulled ${state.worst} items beyond the buffer`);
        await run.return?.();
        if (ordered) assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i * 2));
        else assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i * 2));
      });
    }
  }

  it("bounds the calls in flight when smaller than the concurrency, and toArray() gets every result", async () => {
    let running = 0;
    let peak = 0;
    const results = await map(
      Array.from({ length: 50 }, (_, i) => i),
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        return n + 1;
      },
      { buffersize: 2, concurrency: 16 },
    ).toArray();
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i + 1));
    assert.equal(peak, 2);
  });

  it("refuses a buffersize that is not a positive integer, naming it", () => {
    const fn = async (n: number) => n;
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => map([1], fn, { buffersize: bad }), {
        name: "RangeError",
        message: `Cannot map as 'buffersize' must be a positive integer: received ${bad}`,
      });
    }
    assert.throws(() => map([1], fn, { buffersize: "3" as unknown as number }), {
      name: "TypeError",
      message: `Cannot map as 'buffersize' must be a positive integer: received "3"`,
    });
  });
});
