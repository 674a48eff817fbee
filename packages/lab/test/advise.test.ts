import assert from "node:assert/strict";
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import advise, { checkAgainstTrials, parseInputs, recommend, runAdvise, taskModule } from "../src/experiments/advise.js";
import { cpu } from "../src/experiments/cpu-bench.js";
import { UsageError } from "../src/flags.js";
import { assertNoWorkersLeft, quickContext } from "./fixtures/cpu-quick.js";

/** The compiled CPU kernels, a module with an `isPrime` export. */
const cpuModule = fileURLToPath(new URL("../src/tasks/cpu.js", import.meta.url));

const base = { samples: 10, items: 10_000, cloneMs: 0.001, cores: 2 };

describe("lab advise", () => {
  it("recommends async for calls that mostly wait, with the calls in flight that keep one core busy", () => {
    const advice = recommend({ ...base, wallMs: 200, cpuMs: 2, busyMs: 2 });
    assert.equal(advice.model, "async");
    assert.equal(advice.concurrency, 100);
    assert.equal(advice.chunksize, null);
  });

  it("recommends threads, one per core, for CPU-bound calls, with chunks of about 5 ms capped by Python's default", () => {
    const small = recommend({ ...base, wallMs: 1, cpuMs: 1, busyMs: 1 }); // 0.1 ms a call
    assert.deepEqual([small.model, small.workers, small.chunksize], ["threads", 2, 50]);
    const big = recommend({ ...base, wallMs: 1000, cpuMs: 1000, busyMs: 1000 }); // 100 ms a call
    assert.equal(big.chunksize, 1);
    const capped = recommend({ ...base, items: 40, wallMs: 6, cpuMs: 6, busyMs: 6 }); // 0.6 ms a call: 9 for 5 ms; Python: 5
    assert.equal(capped.chunksize, 5);
    // Busy main thread on a loaded machine: CPU-bound even if the process got little CPU.
    assert.equal(recommend({ ...base, wallMs: 100, cpuMs: 10, busyMs: 99 }).model, "threads");
  });

  it("recommends no concurrency when the whole workload is a few milliseconds of CPU", () => {
    const advice = recommend({ ...base, items: 100, wallMs: 1, cpuMs: 1, busyMs: 1 });
    assert.equal(advice.model, "serial");
  });

  it("warns when copying the arguments costs more than the work", () => {
    const advice = recommend({ ...base, wallMs: 1, cpuMs: 1, busyMs: 1, cloneMs: 5 });
    assert.ok(advice.reasons.some((r) => r.includes("SharedArrayBuffer")));
  });

  it("switches to a model that was clearly faster on the samples, or that worked where the advised one failed", () => {
    const advice = recommend({ ...base, wallMs: 100, cpuMs: 100, busyMs: 100 });
    const faster = checkAgainstTrials(advice, [
      { model: "threads", workers: 2, chunksize: 1, ms: 100 },
      { model: "processes", workers: 2, chunksize: 1, ms: 50 },
    ]);
    assert.equal(faster.model, "processes");
    const failed = checkAgainstTrials(advice, [
      { model: "threads", workers: 2, chunksize: 1, ms: null, error: "boom" },
      { model: "processes", workers: 2, chunksize: 1, ms: 80 },
    ]);
    assert.equal(failed.model, "processes");
    const kept = checkAgainstTrials(advice, [
      { model: "threads", workers: 2, chunksize: 1, ms: 100 },
      { model: "processes", workers: 2, chunksize: 1, ms: 90 },
    ]);
    assert.equal(kept.model, "threads");
  });

  it("never advises async for CPU-bound work, even when async was fastest on a few samples, and fills every field", () => {
    const advice = recommend({ ...base, wallMs: 100, cpuMs: 100, busyMs: 100 });
    assert.equal(advice.model, "threads");
    const after = checkAgainstTrials(advice, [
      { model: "serial", workers: 1, chunksize: null, ms: 30 },
      { model: "async", workers: 1, chunksize: null, ms: 20 },
      { model: "threads", workers: 2, chunksize: 1, ms: 100 },
      { model: "processes", workers: 2, chunksize: 1, ms: 120 },
    ]);
    assert.equal(after.model, "serial");
    assert.equal(after.workers, 1);
    assert.match(after.reasons.join(" "), /too little work to pay for a pool/);
    // Switching to a pool fills its workers and chunk size from the trial.
    const io = recommend({ ...base, wallMs: 100, cpuMs: 1, busyMs: 1 });
    assert.equal(io.model, "async");
    const toPool = checkAgainstTrials(io, [
      { model: "async", workers: 1, chunksize: null, ms: 100 },
      { model: "threads", workers: 2, chunksize: 3, ms: 10 },
    ]);
    assert.deepEqual([toPool.model, toPool.workers, toPool.chunksize, toPool.concurrency], ["threads", 2, 3, null]);
  });

  it("refuses bad --task, --export and --inputs in one line naming the flag, before anything runs", async () => {
    const validate = advise.validate as NonNullable<typeof advise.validate>;
    const flags = { task: "", export: "", inputs: "", items: 0, verify: true };
    await assert.rejects(validate({ ...flags, task: "./nope.js", export: "f", inputs: "[1]" }), (e: unknown) => e instanceof UsageError && /'--task' must be a module that loads/.test((e as Error).message) && !(e as Error).message.includes("\n"));
    await assert.rejects(validate({ ...flags, task: cpuModule, export: "notThere", inputs: "[1]" }), (e: unknown) => e instanceof UsageError && /'--export' must name a function/.test((e as Error).message));
    await assert.rejects(validate({ ...flags, task: cpuModule, export: "isPrime", inputs: "[1," }), (e: unknown) => e instanceof UsageError && /'--inputs' must be valid JSON/.test((e as Error).message));
    await validate({ ...flags, task: cpuModule, export: "isPrime", inputs: "[7]" });
  });

  it("parses inline JSON, a JSON file, and argument lists; refuses the rest naming the flag", async () => {
    assert.deepEqual(await parseInputs("[1, 2]"), [[1], [2]]);
    assert.deepEqual(await parseInputs('{"args": [[1, 2], [3, 4]]}'), [[1, 2], [3, 4]]);
    const dir = await mkdtemp(join(tmpdir(), "juggle-advise-"));
    try {
      const file = join(dir, "inputs.json");
      await writeFile(file, "[[1], [2]]");
      assert.deepEqual(await parseInputs(file), [[[1]], [[2]]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await assert.rejects(parseInputs("[1,"), { name: "TypeError", message: /'--inputs' must be valid JSON/ });
    await assert.rejects(parseInputs('{"x": 1}'), { name: "TypeError", message: /'--inputs' must be an array/ });
    await assert.rejects(parseInputs("/no/such/file.json"), { name: "TypeError", message: /'--inputs' must be JSON or a JSON file/ });
    assert.equal(taskModule("/tmp/tasks.js"), "file:///tmp/tasks.js");
    assert.equal(taskModule("file:///x.js"), "file:///x.js");
  });

  it("measures a CPU-bound task and an I/O-bound task and tells them apart", async () => {
    const cpuBound = await runAdvise({ label: "cpu", task: cpu.sumOfSquares, calls: [[300_000], [300_001], [300_002]], items: 1000, cores: 2, verify: false });
    assert.equal(cpuBound.advice.model, "threads");
    assert.equal(cpuBound.trials.length, 0);
    const ioBound = await runAdvise({ label: "io", task: cpu.waitThenSquare, calls: [[30], [30]], items: 1000, cores: 2, verify: false });
    assert.equal(ioBound.advice.model, "async");
  });

  it("runs at its --quick size on the built-in samples, trying every model", async () => {
    const result = await advise.run(quickContext(advise) as never);
    assert.equal(result.tables[0]?.rows.length, 2);
    assert.equal(result.tables.length, 3, "recommendations and one trial table per sample");
    assert.deepEqual(result.tables[1]?.rows.map((r) => r[0]), ["serial", "async", "threads", "processes"]);
    assert.equal(result.tables[0]?.rows[1]?.[1], "async");
    await assertNoWorkersLeft();
  });

  it("advises on a task named by path and export, with inline inputs", async () => {
    const path = fileURLToPath(new URL("../src/tasks/cpu.js", import.meta.url));
    const result = await advise.run(quickContext(advise, { task: path, export: "isPrime", inputs: "[1000003, 1000033]", verify: false }) as never);
    assert.equal(result.tables[0]?.rows.length, 1);
    await assert.rejects(advise.run(quickContext(advise, { task: path, export: "", inputs: "[1]" }) as never), { message: /'--export' must name/ });
  });
});
