import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DelayServer, type DelayLogEntry } from "../src/delay-server.js";
import type { ExperimentResult, ResultTable } from "../src/experiment.js";
import { loadExperiment } from "../src/experiments/registry.js";
import { resolveFlags } from "../src/flags.js";
import { politeChecks } from "../src/polite-checks.js";
import { politeCrawl, TooManyRequestsError } from "../src/polite-crawl.js";
import { silentProgress } from "../src/progress.js";
import { findPython, type PythonInfo } from "../src/python.js";
import { runLab } from "../src/runner.js";

const python = findPython();

const entry = (name: string, arrivedAt: number, completedAt: number, status = 200): DelayLogEntry => ({ kind: "add", name, delay: 0, arrivedAt, completedAt, status });

describe("politeChecks", () => {
  it("finds the most in flight, the most arrivals in a window and the wait after each 429", () => {
    const checks = politeChecks(
      [entry("a", 0, 50), entry("b", 10, 60), entry("c", 20, 20, 429), entry("d", 60, 70), entry("c", 1020, 1030), entry("e", 99, 100)],
      100,
    );
    // a, b and the 429 of c overlap at 20; d arrives at 60 as b answers (the answer counts first).
    assert.equal(checks.maxInFlight, 3);
    // Arrivals 0, 10, 20, 60, 99 lie in [0, 100); 1020 is alone.
    assert.equal(checks.maxInWindow, 5);
    assert.deepEqual([checks.tooMany, checks.retried, checks.shortestRetryGap], [1, 1, 1000]);
  });

  it("counts windows half-open, so starts exactly one window apart are in different windows", () => {
    assert.equal(politeChecks([entry("a", 0, 1), entry("b", 100, 101), entry("c", 200, 201)], 100).maxInWindow, 1);
  });

  it("refuses a window that is not a positive duration", () => {
    assert.throws(() => politeChecks([], Number.NaN), /'window' must be a positive number of milliseconds: received NaN/);
  });
});

describe("politeCrawl against real delay servers", () => {
  it("answers every request 200 while no host sees more than its limits, and waits out every Retry-After", async () => {
    const hosts = [
      await DelayServer.start({ tooManyRequests: { share: 0.25, retryAfter: 1 } }),
      await DelayServer.start({ tooManyRequests: { share: 0.25, retryAfter: 1 } }),
    ];
    try {
      const interval = 400;
      const run = await politeCrawl({ origins: hosts.map((h) => h.url), requests: 8, delay: 5, concurrency: 2, rate: { limit: 3, interval } });
      for (const [h, server] of hosts.entries()) {
        const entries = server.log.filter((e) => e.kind === "add");
        // Every request answered 200 exactly once, on the server's side too.
        const ok = entries.filter((e) => e.status === 200).map((e) => e.name);
        assert.deepEqual(ok.sort(), Array.from({ length: 8 }, (_, i) => `${h}-${i}`).sort());
        assert.equal(run.hosts[h]?.answered, 8);
        // The window less 10% for the client-to-server time, as the experiment counts it.
        const checks = politeChecks(entries, interval * 0.9);
        assert.ok(checks.maxInFlight <= 2, `host ${h}: ${checks.maxInFlight} in flight`);
        assert.ok(checks.maxInWindow <= 3, `host ${h}: ${checks.maxInWindow} arrivals in one window`);
        // Every 4th request was a 429, and each was retried no sooner than its Retry-After
        // (less 1 ms: Node's timers run on a whole-millisecond clock).
        assert.ok(checks.tooMany >= 2, `host ${h}: ${checks.tooMany} 429s`);
        assert.equal(checks.retried, checks.tooMany);
        assert.equal(run.hosts[h]?.tooMany, checks.tooMany);
        assert.equal(run.hosts[h]?.retries, checks.tooMany);
        assert.ok((checks.shortestRetryGap as number) >= 999, `host ${h}: retried ${checks.shortestRetryGap} ms after a 429`);
      }
    } finally {
      await Promise.all(hosts.map((h) => h.close()));
    }
  });

  it("gives up with the host's TooManyRequestsError once the retries run out", async () => {
    await using host = await DelayServer.start({ tooManyRequests: { share: 1, retryAfter: 0 } });
    await assert.rejects(politeCrawl({ origins: [host.url], requests: 1, delay: 0, concurrency: 1, rate: { limit: 10, interval: 100 }, retries: 2 }), (error) => {
      assert.ok(error instanceof TooManyRequestsError);
      assert.equal(error.retryAfter, 0);
      return true;
    });
    assert.equal(host.log.filter((e) => e.kind === "add").length, 3);
  });
  it("stops at the first answer that is neither 200 nor 429, without retrying it", async () => {
    await using host = await DelayServer.start({ maxDelay: 5 });
    // delay 10 is over the server's maxDelay: a 400, which is not retried (a retry would not change it).
    await assert.rejects(
      politeCrawl({ origins: [host.url], requests: 6, delay: 10, concurrency: 1, rate: { limit: 100, interval: 100 } }),
      /Cannot fetch from .* as it answered 400: .*delay/,
    );
    assert.equal(host.pending, 0);
  });
});

describe("lab polite", () => {
  const run = async (python: PythonInfo | undefined) => {
    const experiment = await loadExperiment("polite");
    assert.ok(experiment);
    const flags = resolveFlags("lab polite", experiment.flags, { hosts: "2", requests: "4", delay: "0", "rate-limit": "3", interval: "200", share: "0.25", "retry-after": "0" }, true);
    const results = await runLab({ runs: [{ experiment, flags }], quick: true, out: null, progress: silentProgress(), print: () => {}, python });
    const [record] = results.experiments;
    assert.ok(record);
    assert.equal(record.error, undefined, record.error);
    return record.result as ExperimentResult;
  };
  const sum = (rows: ResultTable["rows"], col: number): number => rows.reduce((n, r) => n + Number(r[col]), 0);

  it("runs at tiny sizes and says no host went over its limits", async () => {
    const result = await run(undefined);
    assert.match(result.summary, /^juggle: no host ever saw more than its limits/);
    assert.match(result.summary, /Python side: not run/);
    // One row per host and the total of every host (the numbers the chart's caption quotes).
    const rows = result.tables[0]?.rows ?? [];
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[2]?.slice(0, 6), ["juggle", "all hosts", ...[2, 3, 4, 5].map((col) => sum(rows.slice(0, 2), col))]);
    assert.equal(result.tables.length, 1);
    assert.deepEqual(result.charts.map((c) => c.kind), ["line"]);
  });

  it("turns a Python side that cannot run into a note, keeping juggle's result", async () => {
    const result = await run({ command: "python3-that-does-not-exist", version: "3.99.0" });
    assert.match(result.summary, /^juggle: no host ever saw more than its limits.* Python side failed: Cannot run the Python side as polite\.py could not start/);
    assert.ok(result.notes?.some((n) => n.startsWith("Python side failed:")));
    assert.equal(result.tables.length, 1);
  });

  it("runs Python's crawler against the same hosts, checked by the same logs, beside juggle's", { skip: python === undefined ? "python3 not on PATH" : false }, async () => {
    const result = await run(python);
    const label = `Python ${python?.version}`;
    assert.match(result.summary, new RegExp(`^juggle: no host ever saw more than its limits.* ${label.replace(/\./g, "\\.")}: no host ever saw more than its limits`));
    // Per host rows of each client, each ending with the client's total; the logs were reset in between.
    const rows = result.tables[0]?.rows ?? [];
    assert.deepEqual(rows.map((r) => [r[0], String(r[1]).replace(/ \(:\d+\)$/, "")]), [
      ["juggle", "host 1"], ["juggle", "host 2"], ["juggle", "all hosts"],
      [label, "host 1"], [label, "host 2"], [label, "all hosts"],
    ]);
    assert.deepEqual(rows[5]?.slice(2, 4), [sum(rows.slice(3, 5), 2), 8]);
    for (const row of rows.filter((r) => r[1] !== "all hosts")) {
      assert.equal(row[3], 4, `${row[0]} ${row[1]} answered`);
      assert.ok(Number(String(row[6]).split(" / ")[0]) <= 2 && Number(String(row[7]).split(" / ")[0]) <= 3, `${row[0]} ${row[1]}: ${row[6]}, ${row[7]}`);
    }
    // The side-by-side table with the ratio, and both clients in the chart.
    const side = result.tables[1];
    assert.deepEqual(side?.columns, ["measure", "juggle", label, `${label} / juggle`]);
    assert.deepEqual(side?.rows[0]?.[0], "total time, s");
    assert.match(String(side?.rows[0]?.[3]), /^\d+\.\d\dx$/);
    assert.deepEqual(side?.rows[2], ["answered 200", 8, 8, "1.00x"]);
    assert.deepEqual(side?.rows.at(-1), ["limits respected", "yes", "yes", "-"]);
    assert.match(side?.caption ?? "", /Neither let a host see more than its limits/);
    assert.ok(result.headline.some((h) => h.label === "Python / juggle total time"));
    const labels = result.charts[0]?.kind === "line" ? result.charts[0].series.map((s) => s.label) : [];
    assert.ok(labels.some((l) => l.startsWith("juggle: host 1")) && labels.some((l) => l.startsWith(`${label}: host 1`)), labels.join(", "));
  });
});
