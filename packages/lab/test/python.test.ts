import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { piReport, runPi, runPythonPi } from "../src/experiments/pi.js";
import { runPythonSumSquares, runSumSquares, sumSquaresReport } from "../src/experiments/sum-squares.js";
import { DelayServer } from "../src/delay-server.js";
import { findPython } from "../src/python.js";
import { hasRuns, pythonAnswer } from "../src/python/run-python.js";

const python = findPython();

describe("the Python side", { skip: python === undefined ? "no python3 on PATH" : false }, () => {
  it("sum_squares.py computes the same sums as juggle's, for every approach", async () => {
    const py = await runPythonSumSquares(python as NonNullable<typeof python>, { size: 30_000, count: 3, workers: 2, repeats: 1 });
    assert.deepEqual(py.runs.map((r) => r.approach), ["no concurrency", "threads", "processes", "async"]);
    assert.ok(py.runs.every((r) => r.correct), JSON.stringify(py.runs));
    // juggle's side on the same numbers gives the same exact sums (both checked against the closed form).
    const js = await runSumSquares({ size: 30_000, count: 3, workers: 1 });
    assert.ok(js.runs.every((r) => r.correct));
    const report = sumSquaresReport({ ...js, python: py }, 2);
    const table = report.tables.find((t) => t.title.includes("side by side"));
    assert.ok(table);
    assert.ok(table.rows.every((r) => typeof r[1] === "number" && typeof r[2] === "number" && r[4] === "yes"));
  });

  it("crawl.py fetches every request from the delay server, at most 'concurrency' at once, as juggle's crawl does", async () => {
    await using server = await DelayServer.start();
    const answer = await pythonAnswer(
      (python as NonNullable<typeof python>).command,
      "crawl",
      { origin: server.url, requests: 12, delay: 10, concurrency: 4, repeats: 1, name: "py" },
      { timeoutMs: 60_000, accept: hasRuns<{ ms: number; answered: number }> },
    );
    assert.equal(answer.runs[0]?.answered, 12);
    const served = server.log.filter((e) => e.name.startsWith("py-") && e.completedAt !== null);
    assert.deepEqual(served.map((e) => Number(e.name.slice(3))).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i));
    // Keep-alive, one connection per request in flight.
    assert.ok(server.accepted <= 4, `${server.accepted} connections`);
  });

  it("crawl.py's thread pool fetches every request, each thread on its own kept-alive connection", async () => {
    await using server = await DelayServer.start();
    const answer = await pythonAnswer(
      (python as NonNullable<typeof python>).command,
      "crawl",
      { origin: server.url, requests: 9, delay: 10, concurrency: 3, repeats: 2, name: "pt", mode: "threads" },
      { timeoutMs: 60_000, accept: hasRuns<{ ms: number; answered: number }> },
    );
    assert.deepEqual(
      answer.runs.map((r) => r.answered),
      [9, 9],
    );
    const served = server.log.filter((e) => e.name.startsWith("pt-") && e.completedAt !== null);
    assert.equal(served.length, 18);
    // Three threads, one connection each, per run: six in all.
    assert.ok(server.accepted <= 6, `${server.accepted} connections`);
    await assert.rejects(
      pythonAnswer((python as NonNullable<typeof python>).command, "crawl", { origin: server.url, requests: 1, delay: 0, concurrency: 1, repeats: 1, name: "x", mode: "processes" }, {
        timeoutMs: 60_000,
        accept: hasRuns,
      }),
      /'mode' must be asyncio or threads: received 'processes'/,
    );
  });

  it("pi.py estimates pi like juggle's runs do, the same darts on threads and processes", async () => {
    const darts = 200_000;
    const py = await runPythonPi(python as NonNullable<typeof python>, { darts, maxWorkers: 2, repeats: 1, seed: 7 });
    assert.deepEqual(py.runs.map((r) => `${r.model}${r.workers}`), ["serial1", "threads1", "threads2", "processes1", "processes2"]);
    // 4·sqrt(p(1-p)/n) ≈ 0.0037 for 200,000 darts: 0.03 is 8 standard errors (the tolerance of juggle's own pi test).
    for (const run of py.runs) assert.ok(Math.abs((4 * run.inside) / darts - Math.PI) < 0.03, `${run.model} ${run.workers}: ${run.inside}`);
    const inside = (model: string, workers: number) => py.runs.find((r) => r.model === model && r.workers === workers)?.inside;
    assert.equal(inside("serial", 1), inside("threads", 1));
    assert.equal(inside("threads", 2), inside("processes", 2));
    const js = await runPi({ darts, maxWorkers: 2, kernels: ["loop"], models: ["serial", "threads"], seed: 7, sampleMs: 20 });
    const report = piReport({ ...js, python: py }, 2);
    const table = report.tables.find((t) => t.title.includes("side by side"));
    assert.ok(table && table.rows.length === 3 && table.rows.every((r) => typeof r[2] === "number"));
    assert.ok(report.charts.some((c) => c.title === "Monte Carlo pi: speed-up, juggle and Python"));
  });

  it("a failing program is one error naming it", async () => {
    await assert.rejects(
      pythonAnswer((python as NonNullable<typeof python>).command, "sum_squares", { nonsense: true }, { timeoutMs: 60_000, accept: hasRuns }),
      /^Error: Cannot run the Python side as sum_squares\.py failed: KeyError/,
    );
  });
});

describe("findPython", () => {
  it("answers undefined for a command that does not exist", () => {
    assert.equal(findPython("python3-that-does-not-exist"), undefined);
  });
});
