import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { JobAbort, runJob } from "../src/job.js";
import { decodeResults, encodeArguments } from "../src/payload.js";
import { taskSignal } from "juggle-core";

const fixtures = new URL("./fixtures/signal-tasks.js", import.meta.url).href;

function job(name: string, argLists: unknown[][]): { m: string; n: string; p: string } {
  return { m: fixtures, n: name, p: encodeArguments("test", argLists, 1 << 20) };
}

describe("JobAbort (a job's signal made on demand)", () => {
  test("an abort before the signal is made gives a signal born aborted, with the reason", () => {
    const abort = new JobAbort();
    abort.abort(new Error("early"));
    abort.abort(new Error("ignored"));
    assert.equal(abort.aborted, true);
    assert.equal(abort.signal.aborted, true);
    assert.equal((abort.signal.reason as Error).message, "early");
  });

  test("an abort after the signal is made aborts it; the signal is made once", () => {
    const abort = new JobAbort();
    const signal = abort.signal;
    assert.equal(abort.signal, signal);
    assert.equal(signal.aborted, false);
    abort.abort(new Error("late"));
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).message, "late");
  });
});

describe("runJob's taskSignal()", () => {
  test("a task's taskSignal() is its job's signal, aborted when the job was aborted first", async () => {
    const abort = new JobAbort();
    abort.abort(new Error("cancelled before start"));
    const fresh = decodeResults(await runJob(job("signalState", [[]]), { controller: new JobAbort() }));
    assert.deepEqual(fresh.r, [[false, null]]);
    const early = decodeResults(await runJob(job("signalState", [[]]), { controller: abort }));
    assert.deepEqual(early.r, [[true, "cancelled before start"]]);
  });

  test("aborting a running job reaches the signal its task asked for", async () => {
    const { hooks } = (await import(fixtures)) as typeof import("./fixtures/signal-tasks.js");
    const started = new Promise<void>((resolve) => {
      hooks.started = resolve;
    });
    const abort = new JobAbort();
    const running = runJob(job("untilAborted", [[]]), { controller: abort });
    await started;
    abort.abort(new Error("stop"));
    assert.deepEqual(decodeResults(await running).r, ["stop"]);
  });

  test("a task that never asks for its signal runs without one; taskSignal() fails outside tasks again", async () => {
    const results = decodeResults(await runJob(job("echo", [[1], [2]]), { controller: new JobAbort() }));
    assert.deepEqual(results.r, [1, 2]);
    assert.throws(() => taskSignal(), /taskSignal\(\) must be called synchronously/);
  });
});
