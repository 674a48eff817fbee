import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TraceRecorder } from "../../src/trace/recorder.js";

const event = (id: number, worker: string, ok = true) => ({ id, name: `t${id}`, worker, queuedAt: 1, startedAt: 2, endedAt: 5, ok });

describe("TraceRecorder", () => {
  it("refuses bad options, naming them", () => {
    for (const bad of [null, 5, "x", []]) {
      assert.throws(() => new TraceRecorder(bad as never), { name: "TypeError", message: /^Cannot create TraceRecorder as 'options' must be an object: received / });
    }
    assert.throws(() => new TraceRecorder({ limit: 0 }), { name: "RangeError", message: /'limit' must be a positive integer: received 0/ });
  });

  it("keeps the newest `limit` events and counts the dropped ones", () => {
    const trace = new TraceRecorder({ limit: 2 });
    for (let i = 0; i < 5; i++) trace.record(event(i, "w"));
    assert.deepEqual(
      trace.events.map((e) => e.id),
      [3, 4],
    );
    assert.equal(trace.dropped, 3);
    const big = new TraceRecorder({ limit: 5 });
    const seen: number[][] = [];
    for (let i = 0; i < 23; i++) {
      big.record(event(i, "w"));
      if (i % 4 === 0) seen.push(big.events.map((e) => e.id));
    }
    assert.deepEqual(seen.slice(-2), [
      [12, 13, 14, 15, 16],
      [16, 17, 18, 19, 20],
    ]);
    assert.deepEqual(
      big.toJSON().events.map((e) => e.id),
      [18, 19, 20, 21, 22],
    );
    assert.equal(big.dropped, 18);
    trace.clear();
    assert.equal(trace.events.length, 0);
    assert.equal(trace.dropped, 0);
  });

  it("span() records a failing function as not ok and rethrows its error", async () => {
    const trace = new TraceRecorder();
    const boom = new Error("boom");
    await assert.rejects(
      trace.span("fails", () => Promise.reject(boom)),
      (error) => error === boom,
    );
    assert.equal(await trace.span("works", () => 7, "w1"), 7);
    assert.deepEqual(
      trace.events.map((e) => [e.name, e.worker, e.ok]),
      [
        ["fails", "main", false],
        ["works", "w1", true],
      ],
    );
  });

  it("toChromeTrace() names one row per worker and gives each task a complete event in microseconds", () => {
    const trace = new TraceRecorder();
    trace.record(event(0, "a"));
    trace.record(event(1, "b", false));
    trace.record(event(2, "a"));
    const { traceEvents } = trace.toChromeTrace() as { traceEvents: Record<string, unknown>[] };
    assert.deepEqual(
      traceEvents.filter((e) => e.ph === "M").map((e) => [e.tid, (e.args as { name: string }).name]),
      [
        [1, "a"],
        [2, "b"],
      ],
    );
    const tasks = traceEvents.filter((e) => e.ph === "X");
    assert.deepEqual(
      tasks.map((e) => [e.name, e.tid, e.ts, e.dur, e.cat]),
      [
        ["t0", 1, 2000, 3000, "task"],
        ["t1", 2, 2000, 3000, "task,error"],
        ["t2", 1, 2000, 3000, "task"],
      ],
    );
    assert.equal((tasks[0]?.args as { queuedMs: number }).queuedMs, 1);
  });
});
