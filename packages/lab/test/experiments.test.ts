import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadExperiment } from "../src/experiments/registry.js";
import { resolveFlags } from "../src/flags.js";
import { type Progress, silentProgress } from "../src/progress.js";
import { runLab } from "../src/runner.js";

async function runTiny(
  name: string,
  flags: Record<string, string | boolean>,
  progress: Progress = silentProgress(),
  python?: { command: string; version: string },
) {
  const experiment = await loadExperiment(name);
  assert.ok(experiment, name);
  const printed: string[] = [];
  const results = await runLab({
    runs: [{ experiment, flags: resolveFlags(`lab ${name}`, experiment.flags, flags, true) }],
    quick: true,
    out: null,
    progress,
    print: (t) => printed.push(t),
    python,
  });
  const [record] = results.experiments;
  assert.ok(record);
  assert.equal(record.error, undefined, record.error);
  return { record, printed: printed.join("\n") };
}

describe("lab experiments at tiny sizes", () => {
  it("a Python side that cannot run is a note on crawl, pi and sum-squares, never a failed experiment", async () => {
    const missing = { command: "python3-that-does-not-exist", version: "3.99.0" };
    const cases: [string, Record<string, string>][] = [
      ["crawl", { requests: "4", delay: "1", concurrency: "2", "serial-requests": "1", "pool-requests": "2", workers: "1", "no-sweep": "true" }],
      ["pi", {}],
      ["sum-squares", {}],
    ];
    for (const [name, flags] of cases) {
      const { record } = await runTiny(name, flags, silentProgress(), missing);
      assert.ok(record.result?.notes?.some((n) => n.startsWith("Python side failed: ")), `${name}: ${record.result?.notes?.join(" | ")}`);
      assert.match(record.result?.summary ?? "", /Python side failed: /, name);
    }
  });

  it("crawl returns its table, chronologies, sweep and traces", async () => {
    const { record, printed } = await runTiny("crawl", {
      requests: "6",
      delay: "10",
      concurrency: "3",
      "serial-requests": "3",
      "pool-requests": "4",
      workers: "2",
      sweep: "2,6",
    });
    const result = record.result;
    assert.ok(result);
    const [table, sweep, chain] = result.tables;
    assert.ok(table && sweep && chain);
    // Where the time went: every variant's lost time split along its critical chain, the parts adding up.
    assert.deepEqual(chain.columns, ["variant", "lost", "start", "1st trip", "to server", "late", "back", "between", "+waves", "end"]);
    assert.equal(chain.rows.length, 8);
    for (const [, lost, ...parts] of chain.rows) {
      const sum = (parts as number[]).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - (lost as number)) <= 0.5, `parts ${sum} vs lost ${lost}`);
    }
    assert.ok(
      result.notes?.some((n) => /^Of each run's lost time, the concurrency model's own hand-over .*: callbacks [\d.]+ ms of [\d.]+ ms, Semaphore /.test(n)),
      "the hand-over note, generated from the chains",
    );
    assert.deepEqual(
      table.rows.map((r) => r[0]),
      ["serial", "callbacks", "Semaphore", "juggle map", "AdaptiveLimiter", "ThreadPool", "ProcessPool", "p-limit (anchor)"],
    );
    assert.ok(table.rows.every((r) => r[6] === "yes"), "every request answered");
    assert.deepEqual(
      sweep.rows.map((r) => r[0]),
      [2, 6],
    );
    const chronologies = result.charts.filter((c) => c.kind === "chronology");
    // A chronology for every variant, the pools' and the anchor's included.
    assert.equal(chronologies.length, 8);
    for (const c of chronologies) assert.ok(c.kind === "chronology" && c.spans.length >= 3);
    assert.ok(result.charts.some((c) => c.figure === "HPP Figure 8-3"));
    assert.deepEqual(record.traces, ["crawl-serial.trace.json", "crawl-callbacks.trace.json", "crawl-semaphore.trace.json", "crawl-map.trace.json", "crawl-adaptive.trace.json", "crawl-threads.trace.json", "crawl-processes.trace.json", "crawl-plimit.trace.json"]);
    assert.match(printed, /Crawl: 6 requests × 10 ms/);
    assert.match(printed, /Concurrency sweep/);
  });

  it("crawl's variants, and map and p-limit at each level of the sweep, take turns, in reversed order every other repeat", async () => {
    const started: string[] = [];
    const progress: Progress = { ...silentProgress(), task: (label) => (started.push(label), silentProgress().task(label, 1)) };
    await runTiny("crawl", { requests: "4", delay: "1", concurrency: "2", "serial-requests": "1", "pool-requests": "2", workers: "1", sweep: "2", repeats: "2" }, progress);
    assert.deepEqual(
      started.filter((l) => l.includes("sweep")),
      [
        "crawl: sweep, juggle map, 2 in flight (1/2)",
        "crawl: sweep, p-limit (anchor), 2 in flight (1/2)",
        "crawl: sweep, p-limit (anchor), 2 in flight (2/2)",
        "crawl: sweep, juggle map, 2 in flight (2/2)",
      ],
    );
    // The main table's rows take turns the same way.
    const rows = ["serial", "callbacks", "Semaphore", "juggle map", "AdaptiveLimiter", "ThreadPool", "ProcessPool", "p-limit (anchor)"];
    assert.deepEqual(
      started.filter((l) => !l.includes("sweep")),
      [...rows.map((r) => `crawl: ${r} (1/2)`), ...[...rows].reverse().map((r) => `crawl: ${r} (2/2)`)],
    );
  });

  it("primes-db saves every prime, serially and through the Batcher", async () => {
    const { record } = await runTiny("primes-db", { "max-number": "30", "batch-size": "4", "cpu-repeat": "1", repeats: "2" });
    const result = record.result;
    assert.ok(result);
    const [table] = result.tables;
    assert.ok(table);
    const byLabel = new Map(table.rows.map((r) => [r[0], r]));
    // 10 primes below 30, each saved once (the experiment checks the database's count itself).
    for (const label of ["CPU only (no saving)", "serial", "Batcher", "CPU in a worker thread + Batcher"]) assert.equal(byLabel.get(label)?.[1], 10, label);
    assert.equal(byLabel.get("serial")?.[2], 10);
    assert.deepEqual(record.traces, ["primes-db-batcher.trace.json", "primes-db-offload.trace.json"]);
    // Every variant ran twice: its median with (fastest–slowest), and an error bar per bar.
    const col = table.columns.indexOf("runtime s (min–max)");
    for (const row of table.rows) assert.match(String(row[col]), /^\d+\.\d{3} \(\d+\.\d{3}–\d+\.\d{3}\)$/, String(row[0]));
    const chart = result.charts[0];
    assert.ok(chart?.kind === "bar");
    assert.equal(chart.series[0]?.errors?.length, table.rows.length);
  });
});
