import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sumSquares, { runSumSquares, sumSquaresReport } from "../src/experiments/sum-squares.js";
import { assertNoWorkersLeft, quickContext } from "./fixtures/cpu-quick.js";

describe("lab sum-squares", () => {
  it("runs the four approaches of the roadmap article and every sum is exact", async () => {
    const result = await runSumSquares({ size: 100_000, count: 4, workers: 2 });
    assert.deepEqual(result.runs.map((r) => r.approach), ["no concurrency", "threads", "processes", "async"]);
    for (const run of result.runs) assert.ok(run.correct, run.approach);
    assert.ok(result.runs.filter((r) => r.mapMs !== null).every((r) => (r.mapMs as number) <= r.ms));
    const report = sumSquaresReport(result, 2);
    assert.equal(report.tables[0]?.rows.length, 4);
    assert.ok(report.notes?.some((n) => n.includes("crawl")));
    await assertNoWorkersLeft();
  });

  it("repeats each approach and charts the work and the pool start-up as distinct parts", async () => {
    const result = await runSumSquares({ size: 50_000, count: 2, workers: 1, repeats: 3 });
    for (const run of result.runs) assert.ok(run.minMs <= run.ms && run.ms <= run.maxMs, run.approach);
    const chart = sumSquaresReport(result, 2).charts[0];
    assert.ok(chart?.kind === "bar" && chart.stacked === true);
    const [work, startUp] = chart.series;
    // No concurrency and async start no pool: their start-up part is 0, the pools' is not.
    assert.deepEqual(startUp?.values.map((v, i) => (result.runs[i]?.mapMs === null ? v : "pool")), [0, "pool", "pool", 0]);
    assert.ok(startUp?.values.slice(1, 3).every((v) => (v as number) > 0));
    assert.notDeepEqual(work?.values, startUp?.values);
    await assertNoWorkersLeft();
  });

  it("runs at its --quick size through the experiment definition", async () => {
    const result = await sumSquares.run(quickContext(sumSquares) as never);
    assert.equal(result.charts.length, 1);
    assert.ok(result.tables[0]?.rows.every((row) => row[5] === "yes"));
    await assertNoWorkersLeft();
  });
});
