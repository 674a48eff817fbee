import assert from "node:assert/strict";
import { describe, it } from "node:test";
import queue, { queueReport, runQueue } from "../src/experiments/queue.js";
import { countPrimes } from "../src/tasks/cpu.js";
import { assertNoWorkersLeft, quickContext } from "./fixtures/cpu-quick.js";

describe("lab queue", () => {
  it("checks every number once through the queue, with and without the async feeder", async () => {
    const start = 1_000_000;
    const count = 500;
    const expected = countPrimes(start, start + count);
    const result = await runQueue({ start, count, maxWorkers: 2, models: ["threads"], feederWorkers: 2, feederCapacity: 16 });
    assert.deepEqual(
      result.runs.map((r) => [r.variant, r.workers]),
      [["serial loop", 0], ["queue", 1], ["queue", 2], ["queue + async feeder", 2]],
    );
    for (const run of result.runs) {
      assert.equal(run.primes, expected, `${run.variant} ×${run.workers}`);
      if (run.variant !== "serial loop") {
        assert.equal(run.perWorker.length, run.workers);
        assert.equal(run.perWorker.reduce((a, b) => a + b, 0), count, "each number taken exactly once");
      }
    }
    const report = queueReport(result);
    assert.equal(report.tables[0]?.rows.length, 4);
    assert.equal(report.charts.length, 1);
    await assertNoWorkersLeft();
  });

  it("processes run through Manager queues and through ProcessQueues, every number checked once", async () => {
    const start = 1_000_000;
    const count = 300;
    const expected = countPrimes(start, start + count);
    const result = await runQueue({ start, count, maxWorkers: 1, models: ["processes"], feederWorkers: 2, feederCapacity: 16 });
    const viaProcessQueue = result.runs.filter((r) => r.model === "processes, ProcessQueue");
    assert.deepEqual(
      viaProcessQueue.map((r) => [r.variant, r.workers]),
      [["queue", 2]],
    );
    for (const run of result.runs) {
      assert.equal(run.primes, expected, `${run.model} ${run.variant} ×${run.workers}`);
      if (run.variant !== "serial loop") assert.equal(run.perWorker.reduce((a, b) => a + b, 0), count, "each number taken exactly once");
    }
    await assertNoWorkersLeft();
  });

  it("repeats every configuration, the serial loop included, and shows medians with min–max and error bars", async () => {
    const result = await runQueue({ start: 1_000_000, count: 200, maxWorkers: 1, models: ["threads"], feederWorkers: 1, feederCapacity: 16, repeats: 3, cores: 2 });
    const serial = result.runs[0];
    assert.ok(serial && serial.variant === "serial loop");
    for (const run of result.runs) {
      assert.equal(run.time.runs.length, 3, `${run.variant} ×${run.workers}`);
      assert.equal(run.primes, countPrimes(1_000_000, 1_000_200));
    }
    const report = queueReport(result);
    const table = report.tables[0];
    assert.ok(table);
    const col = table.columns.indexOf("seconds (min–max)");
    for (const row of table.rows) assert.match(String(row[col]), /^\d+\.\d{3} \(\d+\.\d{3}–\d+\.\d{3}\)$/);
    const chart = report.charts[0];
    assert.ok(chart?.kind === "bar");
    for (const s of chart.series) assert.equal(s.errors?.filter((e) => e !== null).length, s.values.filter((v) => v !== null).length, s.label);
    // A one-worker run far faster than the loop is flagged, not dropped.
    const one = result.runs[1];
    assert.ok(one);
    one.speedup = 1.5;
    one.problem = "one worker ran 1.5x as fast as serial";
    const flagged = queueReport(result).tables[0];
    assert.equal(flagged?.rows.length, result.runs.length);
    assert.equal(flagged?.rows[1]?.at(-1), "SUSPECT");
    await assertNoWorkersLeft();
  });

  it("runs at its --quick size through the experiment definition", async () => {
    const result = await queue.run(quickContext(queue) as never);
    assert.ok((result.tables[0]?.rows.length ?? 0) >= 4);
    await assertNoWorkersLeft();
  });
});
