import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DelayServer, type DelayLogEntry } from "../src/delay-server.js";
import { loadExperiment } from "../src/experiments/registry.js";
import { resolveFlags } from "../src/flags.js";
import { politeChecks } from "../src/polite-checks.js";
import { politeCrawl, TooManyRequestsError } from "../src/polite-crawl.js";
import { silentProgress } from "../src/progress.js";
import { runLab } from "../src/runner.js";

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
  it("runs at tiny sizes and says no host went over its limits", async () => {
    const experiment = await loadExperiment("polite");
    assert.ok(experiment);
    const flags = resolveFlags("lab polite", experiment.flags, { hosts: "2", requests: "4", delay: "0", "rate-limit": "3", interval: "200", share: "0.25", "retry-after": "0" }, true);
    const results = await runLab({ runs: [{ experiment, flags }], quick: true, out: null, progress: silentProgress(), print: () => {} });
    const [record] = results.experiments;
    assert.ok(record);
    assert.equal(record.error, undefined, record.error);
    assert.match(record.result?.summary ?? "", /^No host ever saw more than its limits/);
    // One row per host and the total of every host (the numbers the chart's caption quotes).
    const rows = record.result?.tables[0]?.rows ?? [];
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[2]?.slice(0, 5), ["all hosts", ...[1, 2, 3, 4].map((col) => Number(rows[0]?.[col]) + Number(rows[1]?.[col]))]);
    assert.deepEqual(record.result?.charts.map((c) => c.kind), ["line"]);
  });
});
