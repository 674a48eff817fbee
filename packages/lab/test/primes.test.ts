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

  it("repeats every point and the serial loop: medians with min–max in the table, error bars in the charts", async () => {
    const result = await runPrimes({ start: 1_000_000, count: 400, model: "threads", workers: 2, chunksizes: [10], orderChunksizes: [], maxChunks: 2, repeat: 3, seed: 3, cores: 2 });
    assert.equal(result.serial.time.runs.length, 3);
    for (const run of result.runs) {
      assert.equal(run.time.runs.length, 3, run.label);
      assert.ok(run.time.min <= run.time.median && run.time.median <= run.time.max);
      assert.equal(run.speedup, Math.round((result.serial.time.median / run.time.median) * 100) / 100);
    }
    const report = primesReport(result);
    const table = report.tables[0];
    assert.ok(table);
    const col = table.columns.indexOf("seconds (min–max)");
    for (const row of table.rows) assert.match(String(row[col]), /^\d+\.\d{3} \(\d+\.\d{3}–\d+\.\d{3}\)$/);
    for (const chart of report.charts) {
      const series = chart.kind === "bar" ? chart.series.map((s) => s.errors) : chart.kind === "line" ? chart.series.map((s) => s.ranges) : [];
      assert.ok(series.length > 0 && series.every((e) => e !== undefined && e.every((x) => x === null || x[0] <= x[1])), chart.title);
    }
    await assertNoWorkersLeft();
  });

  it("flags an impossible speed-up SUSPECT in its row, keeps the row and says why in a note", async () => {
    const result = await runPrimes({ start: 1_000_000, count: 200, model: "threads", workers: 1, chunksizes: [10], orderChunksizes: [], maxChunks: 1, repeat: 1, seed: 3, cores: 2 });
    const [first] = result.runs;
    assert.ok(first);
    // One worker 3x as fast as the serial loop: a disturbed baseline, never a result.
    first.speedup = 3;
    first.problem = "one worker ran 3x as fast as serial";
    const report = primesReport(result);
    const table = report.tables[0];
    assert.ok(table);
    assert.equal(table.rows.length, result.runs.length + 1, "no row dropped");
    const checks = table.rows.map((r) => r[table.columns.indexOf("check")]);
    assert.deepEqual(checks, ["ok", "SUSPECT", ...result.runs.slice(1).map(() => "ok")]);
    assert.ok(report.notes?.some((n) => n.startsWith("Measurement problem, chunksize 10: one worker ran 3x")));
    assert.match(report.summary, /SUSPECT/);
    await assertNoWorkersLeft();
  });

  it("runs at its --quick size through the experiment definition", async () => {
    const result = await primes.run(quickContext(primes) as never);
    assert.ok(result.tables[0]?.caption?.includes("Every run found"));
    assert.equal(result.charts.length, 3);
    await assertNoWorkersLeft();
  });
});
