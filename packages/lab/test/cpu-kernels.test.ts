import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkFactorRange,
  checkFactorRangeAsync,
  chunkSeed,
  countPrimes,
  factorLimit,
  isPrime,
  PI_BATCH,
  piLoop,
  piTyped,
  primesIn,
  Random,
  SUM_OF_SQUARES_MAX,
  sumOfSquares,
} from "../src/tasks/cpu.js";

function sieveCount(from: number, to: number): number {
  const composite = new Uint8Array(to);
  let count = 0;
  for (let i = 2; i < to; i++) {
    if (composite[i] === 0) {
      if (i >= from) count++;
      for (let j = i * i; j < to; j += i) composite[j] = 1;
    }
  }
  return count;
}

describe("lab CPU kernels", () => {
  it("Random gives the same sequence for the same seed and another one for another seed", () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const sa = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(sa, Array.from({ length: 5 }, () => b.next()));
    assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.next()));
    for (const x of sa) assert.ok(x >= 0 && x < 1);
    const filled = new Random(7).fill(new Float64Array(5));
    assert.deepEqual([...filled], sa, "fill() draws the same stream as next()");
  });

  it("chunkSeed gives every chunk of a run its own seed", () => {
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => chunkSeed(1, i)));
    assert.equal(seeds.size, 1000);
    assert.notEqual(chunkSeed(1, 0), chunkSeed(2, 0));
  });

  it("both pi kernels estimate pi within a tolerance", () => {
    const darts = 400_000;
    // The standard error of the estimate is 4·sqrt(p(1-p)/n) ≈ 0.0026 here; 0.02 is ~8 sigma.
    for (const kernel of [piLoop, piTyped]) {
      const inside = kernel(darts, 3);
      assert.ok(Math.abs((4 * inside) / darts - Math.PI) < 0.02, `${kernel.name}: ${(4 * inside) / darts}`);
    }
    assert.equal(piTyped(0, 1), 0);
  });

  it("piTyped counts only the darts of a partial last batch", () => {
    const n = PI_BATCH + 1234;
    const rng = new Random(5);
    const xs = new Float64Array(PI_BATCH);
    const ys = new Float64Array(PI_BATCH);
    let inside = 0;
    for (let done = 0; done < n; done += PI_BATCH) {
      rng.fill(xs);
      rng.fill(ys);
      for (let i = 0; i < Math.min(PI_BATCH, n - done); i++) if ((xs[i] as number) ** 2 + (ys[i] as number) ** 2 <= 1) inside++;
    }
    assert.equal(piTyped(n, 5), inside);
  });

  it("identically seeded workers throw identical darts, the book's numpy pitfall", () => {
    assert.equal(piTyped(10_000, 42), piTyped(10_000, 42));
    assert.notEqual(piTyped(10_000, chunkSeed(42, 0)), piTyped(10_000, chunkSeed(42, 1)));
  });

  it("isPrime and countPrimes agree with a sieve", () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 9, 25, 29].map(isPrime),
      [false, false, true, true, false, false, false, true],
    );
    assert.equal(countPrimes(0, 100_000), sieveCount(0, 100_000));
    assert.equal(countPrimes(50_000, 60_000), sieveCount(50_000, 60_000));
    assert.deepEqual(primesIn([10, 11, 12, 13]), [11, 13]);
  });

  it("checkFactorRange finds a factor, reports none for a prime, and stops when the flag is up", () => {
    const p = 1_000_003; // prime
    assert.equal(checkFactorRange(p, 3, factorLimit(p)).state, "none");
    const found = checkFactorRange(1_000_003 * 1009, 3, 2000);
    assert.deepEqual({ state: found.state, factor: found.state === "factor" ? found.factor : 0 }, { state: "factor", factor: 1009 });
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const hit = checkFactorRange(1009 * 1013, 1000, 1010, flag);
    assert.equal(hit.state, "factor");
    assert.equal(Atomics.load(flag, 0), 1, "finding a factor raises the flag");
    const stopped = checkFactorRange(p, 3, factorLimit(p), flag, 10);
    assert.deepEqual(stopped, { state: "stopped", steps: 10 });
  });

  it("checkFactorRangeAsync polls an asynchronous flag", async () => {
    let polls = 0;
    let raised = false;
    const flag = {
      isSet: async () => {
        polls++;
        return polls >= 3;
      },
      set: async () => {
        raised = true;
      },
    };
    assert.deepEqual(await checkFactorRangeAsync(1_000_003, 3, 1000, flag, 10), { state: "stopped", steps: 30 });
    assert.equal((await checkFactorRangeAsync(1009 * 1013, 1000, 1010, flag, 1000)).state, "factor");
    assert.ok(raised);
  });

  it("sumOfSquares is exact past 2^53", () => {
    for (const n of [0, 1, 2, 10, 5_000_000]) {
      const big = BigInt(n);
      assert.equal(sumOfSquares(n), ((big - 1n) * big * (2n * big - 1n)) / 6n || 0n);
    }
    assert.throws(() => sumOfSquares(SUM_OF_SQUARES_MAX + 1), { name: "RangeError", message: /'n' must be an integer/ });
  });
});
