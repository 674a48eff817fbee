import assert from "node:assert/strict";
import { describe, it } from "node:test";
import primes, { primesReport, runPrimes } from "../src/experiments/primes.js";
import { countPrimes } from "../src/tasks/cpu.js";
import { assertNoWorkersLeft, quickContext } from "./fixtures/cpu-quick.js";

describe("lab primes", () => {
  for (const model of ["threads", "processes"] as const) {
    it(`sweeps chunk sizes, order and chunk counts on ${model}, every run counting the primes exactly`, async () => {
      const start = 1_000_000;
      const count = 1_000;
      const expected = countPrimes(start, start + count);
      const result = await runPrimes({ start, count, model, workers: 2, chunksizes: [1, 10, 100], orderChunksizes: [100], maxChunks: 4, repeat: 1, seed: 3 });
      assert.equal(result.serial.primes, expected);
      assert.equal(result.defaultChunksize, Math.ceil(count / 8));
      const sweep = result.runs.filter((r) => r.sweep === "chunksize");
      assert.deepEqual(sweep.map((r) => r.label), ["1", "10", "100", "default (125)", "auto"]);
      // Order: the order chunk sizes plus the default, each sorted and random.
      assert.equal(result.runs.filter((r) => r.sweep === "order").length, 2 * 2);
      assert.deepEqual(result.runs.filter((r) => r.sweep === "chunks").map((r) => r.chunks), [1, 2, 3, 4]);
      for (const run of result.runs) assert.equal(run.primes, expected, `${run.sweep} ${run.label} ${run.order}`);
      const report = primesReport(result);
      assert.equal(report.charts.length, 3);
      assert.equal(report.tables[0]?.rows.length, result.runs.length + 1);
      await assertNoWorkersLeft();
    });
  }

  it("runs at its --quick size through the experiment definition", async () => {
    const result = await primes.run(quickContext(primes) as never);
    assert.ok(result.tables[0]?.caption?.includes("Every run found"));
    assert.equal(result.charts.length, 3);
    await assertNoWorkersLeft();
  });
});
