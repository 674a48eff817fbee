import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pi, { piReport, runPi } from "../src/experiments/pi.js";
import { assertNoWorkersLeft, quickContext } from "./fixtures/cpu-quick.js";

describe("lab pi", () => {
  it("runs every kernel × model × worker count and estimates pi within a tolerance", async () => {
    const darts = 200_000;
    const result = await runPi({ darts, maxWorkers: 2, kernels: ["loop", "typed"], models: ["serial", "threads", "processes"], seed: 7, sampleMs: 20 });
    assert.equal(result.runs.length, 2 * (1 + 2 + 2));
    for (const run of result.runs) {
      // 4·sqrt(p(1-p)/n) ≈ 0.0037 for 200,000 darts: 0.03 is 8 standard errors.
      assert.ok(Math.abs(run.pi - Math.PI) < 0.03, `${run.kernel} ${run.model} ×${run.workers}: ${run.pi}`);
      assert.equal(run.darts, darts);
      assert.ok(run.timeline.samples.length >= 1);
    }
    // Distinct chunk seeds: two workers do not throw the same darts as one.
    const one = result.runs.find((r) => r.kernel === "typed" && r.model === "threads" && r.workers === 1);
    const two = result.runs.find((r) => r.kernel === "typed" && r.model === "threads" && r.workers === 2);
    assert.notEqual(one?.inside, two?.inside);
    // Threads and processes run the same chunks with the same seeds.
    for (const workers of [1, 2]) {
      const t = result.runs.find((r) => r.kernel === "loop" && r.model === "threads" && r.workers === workers);
      const p = result.runs.find((r) => r.kernel === "loop" && r.model === "processes" && r.workers === workers);
      assert.equal(t?.inside, p?.inside);
    }
    assert.equal(result.seeding.identical[0], result.seeding.identical[1]);
    const report = piReport(result, 2);
    assert.equal(report.tables[0]?.rows.length, 10);
    // Run time, speed-up, and one figure of CPU panels, one panel per run.
    assert.equal(report.charts.length, 3);
    const cpu = report.charts[2];
    assert.ok(cpu?.kind === "multiples" && cpu.panels.length === 10);
    await assertNoWorkersLeft();
  });

  it("repeats each configuration and keeps the median with its range", async () => {
    const result = await runPi({ darts: 20_000, maxWorkers: 1, kernels: ["typed"], models: ["serial", "threads"], seed: 3, sampleMs: 20, repeats: 3 });
    assert.equal(result.runs.length, 2);
    for (const run of result.runs) assert.ok(run.minMs <= run.ms && run.ms <= run.maxMs, `${run.minMs} ${run.ms} ${run.maxMs}`);
    await assertNoWorkersLeft();
  });

  it("flags an impossible speed-up as a measurement problem and keeps the row", () => {
    const base = { kernel: "loop", inside: 1, darts: 4, pi: 1, cpusBusy: 1, timeline: { cpuCount: 2, intervalMs: 10, samples: [] } } as const;
    const result = {
      options: { darts: 4, maxWorkers: 2, kernels: ["loop"], models: ["serial", "threads"], seed: 1, sampleMs: 10, repeats: 3 },
      runs: [
        { ...base, model: "serial", workers: 1, ms: 1000, minMs: 990, maxMs: 1100, speedup: 1 },
        { ...base, model: "threads", workers: 1, ms: 700, minMs: 690, maxMs: 720, speedup: 1.43, problem: "one worker ran 1.43x as fast as serial" },
        { ...base, model: "threads", workers: 2, ms: 400, minMs: 390, maxMs: 420, speedup: 2.5, problem: "2.5x with 2 worker(s) is above the 2 cores" },
      ],
      seeding: { identical: [1, 1], distinct: [1, 2] },
    } as unknown as Parameters<typeof piReport>[0];
    const report = piReport(result, 2);
    assert.deepEqual(report.tables[0]?.rows.map((r) => r.at(-1)), ["ok", "SUSPECT", "SUSPECT"]);
    assert.ok(report.notes?.some((n) => n.startsWith("Measurement problem, loop, threads ×2")));
    assert.match(report.summary, /impossible on this machine/);
    assert.match(report.headline[0]?.detail ?? "", /measurement problem/);
  });

  it("runs at its --quick size through the experiment definition", async () => {
    const result = await pi.run(quickContext(pi) as never);
    assert.equal(result.tables[0]?.rows.length, 10);
    assert.ok(result.summary.length > 0);
    assert.ok(result.notes?.some((n) => n.includes("GIL")));
    await assertNoWorkersLeft();
  });
});
