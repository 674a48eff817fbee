import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DelayLogEntry } from "../src/delay-server.js";
import { requestsPerHostChart } from "../src/polite-chart.js";

const entry = (arrivedAt: number, status = 200): DelayLogEntry => ({ kind: "add", name: "x", delay: 0, arrivedAt, completedAt: arrivedAt, status });

describe("requestsPerHostChart", () => {
  it("counts each host's requests per bin as a rate, with the 429s apart", () => {
    const chart = requestsPerHostChart(
      [
        { host: "a", entries: [entry(1000), entry(1100), entry(1600), entry(1700, 429)] },
        { host: "b", entries: [entry(1050), entry(2400)] },
      ],
      500,
    );
    assert.deepEqual(chart.series.map((s) => s.label), ["a", "b", "429 Too Many Requests (all hosts)"]);
    // Bins of 500 ms from t0 = 1000: [1000,1500) [1500,2000) [2000,2500); rates are per second (x2).
    assert.deepEqual(chart.series[0]?.points, [[0, 4], [0.5, 2], [1, 0]]);
    assert.deepEqual(chart.series[1]?.points, [[0, 2], [0.5, 0], [1, 2]]);
    assert.deepEqual(chart.series[2]?.points, [[0, 0], [0.5, 2], [1, 0]]);
    assert.match(chart.caption, /6 requests over 2 host\(s\), 1 answered 429/);
    assert.match(chart.caption, /Busiest host: a \(4 requests\)/);
  });

  it("starts each client's time at its own first request, with its own 429 series", () => {
    const chart = requestsPerHostChart(
      [
        { client: "juggle", host: "a", entries: [entry(1000), entry(1600, 429)] },
        { client: "Python", host: "a", entries: [entry(9000), entry(9100), entry(9600)] },
      ],
      500,
    );
    assert.deepEqual(chart.series.map((s) => s.label), ["juggle: a", "Python: a", "juggle: 429 Too Many Requests (all hosts)", "Python: 429 Too Many Requests (all hosts)"]);
    assert.deepEqual(chart.series[0]?.points, [[0, 2], [0.5, 0]]);
    assert.deepEqual(chart.series[1]?.points, [[0, 4], [0.5, 2]]);
    assert.deepEqual(chart.series[2]?.points, [[0, 0], [0.5, 2]]);
    assert.deepEqual(chart.series[3]?.points, [[0, 0], [0.5, 0]]);
    assert.match(chart.title, /juggle and Python$/);
    assert.match(chart.caption, /juggle 2 requests, 1 answered 429; Python 3 requests, 0 answered 429/);
  });

  it("refuses a bin that is not a positive duration", () => {
    assert.throws(() => requestsPerHostChart([], 0), /'binMs' must be a positive number of milliseconds: received 0/);
  });
});
