import assert from "node:assert/strict";
import { describe, it } from "node:test";
import locks, { locksReport, runLocks } from "../src/experiments/locks.js";
import { assertNoWorkersLeft, quickContext } from "./fixtures/cpu-quick.js";

describe("lab locks", () => {
  it("counts exactly with a lock, and never more than expected without one", async () => {
    const result = await runLocks({ workers: 2, increments: 20_000, fileIncrements: 30, processIncrements: 40 });
    assert.deepEqual(
      result.runs.map((r) => `${r.model} ${r.target} ${r.variant}`),
      [
        "threads counter no lock",
        "threads counter lock",
        "threads counter Atomics.add",
        "threads file no lock",
        "threads file lock",
        "processes counter no lock",
        "processes counter lock",
        "processes file no lock",
        "processes file lock",
      ],
    );
    for (const run of result.runs) {
      assert.equal(run.expected, run.target === "file" ? 60 : run.model === "threads" ? 40_000 : 80);
      if (run.variant === "no lock") {
        // A demonstration, not an assertion about the race: it may lose some updates or none.
        assert.ok(run.count <= run.expected, `${run.target}: ${run.count} > ${run.expected}`);
        assert.equal(run.lost, run.expected - run.count);
      } else {
        assert.equal(run.count, run.expected, `${run.target}, ${run.variant}`);
        assert.equal(run.lost, 0);
      }
    }
    const report = locksReport(result);
    assert.equal(report.tables[0]?.rows.length, 9);
    assert.match(report.summary, /the count was exact/);
    await assertNoWorkersLeft();
  });

  it("repeats every run: counts and times as medians with min–max, error bars on the chart", async () => {
    const result = await runLocks({ workers: 2, increments: 2000, fileIncrements: 5, processIncrements: 0, repeats: 3 });
    assert.equal(result.runs.length, 5);
    for (const run of result.runs) {
      assert.equal(run.counted.runs.length, 3, `${run.target} ${run.variant}`);
      assert.equal(run.time.runs.length, 3);
      assert.equal(run.count, run.counted.median);
      if (run.variant !== "no lock") assert.deepEqual([run.counted.min, run.counted.max], [run.expected, run.expected]);
    }
    const report = locksReport(result);
    const chart = report.charts[0];
    assert.ok(chart?.kind === "bar");
    assert.equal(chart.series[0]?.errors?.length, result.runs.length);
    assert.ok(report.tables[0]?.rows.every((r) => /\(.+–.+\)/.test(String(r.at(-1)))));
    await assertNoWorkersLeft();
  });

  it("runs at its --quick size through the experiment definition", async () => {
    const result = await locks.run(quickContext(locks) as never);
    assert.equal(result.charts.length, 1);
    await assertNoWorkersLeft();
  });
});
