/**
 * The one-string form of a lone job and a lone result (solo-wire.ts): every
 * primitive comes back as itself, anything else keeps the object form, and a
 * ThreadPool's lone awaited submit travels as one string each way.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { ProcessPool } from "../../src/pool/process-pool.js";
import { ThreadPool } from "../../src/pool/thread-pool.js";
import { TraceRecorder } from "../../src/trace/recorder.js";
import { FLAG_ONE, type RunMessage } from "../../src/pool/protocol.js";
import { bareDone, isBare, readSoloRun, soloRun } from "../../src/pool/solo-wire.js";
import { t } from "juggle-testing/conformance";

const primitives: unknown[] = [
  0,
  -0,
  1.5,
  -(2 ** 53),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  "",
  "a,b,c",
  "n42",
  "ünïcødé 🎉",
  "x".repeat(1024),
  true,
  false,
  undefined,
  null,
  0n,
  -(2n ** 100n),
];

const run = (arg: unknown): RunMessage => ({ t: "run", defs: null, jobs: [7, 3, FLAG_ONE, arg], seq: 12 });

describe("solo wire (one string for a lone job or result)", () => {
  it("a one-job run with each kind of primitive argument reads back as the same message", () => {
    for (const value of primitives) {
      const s = soloRun(run(value), undefined);
      assert.equal(typeof s, "string", `${String(value)} has a compact form`);
      const back = readSoloRun(s as string);
      assert.deepEqual({ ...back, jobs: back.jobs.slice(0, 3) }, { ...run(value), jobs: [7, 3, FLAG_ONE] });
      assert.ok(Object.is(back.jobs[3], value), `${String(value)} came back as ${String(back.jobs[3])}`);
    }
  });

  it("every primitive result is posted bare, and stands for the oldest job's result", () => {
    for (const value of primitives) {
      assert.ok(isBare(value), `${String(value)} is posted bare`);
      const done = bareDone({ id: 41 }, value as never);
      assert.deepEqual({ ...done, r: done.r.slice(0, 2) }, { t: "done", r: [41, 0], times: null, busy: 0 });
      assert.ok(Object.is(done.r[2], value));
    }
    assert.equal(bareDone(undefined, 1).r[0], -1);
  });

  it("objects, long strings, several jobs, defs, transfers and argument lists keep the object form", () => {
    assert.equal(soloRun(run({ a: 1 }), undefined), undefined);
    assert.equal(soloRun(run([1]), undefined), undefined);
    assert.equal(soloRun(run("x".repeat(1025)), undefined), undefined);
    assert.equal(soloRun({ t: "run", defs: null, jobs: [1, 0, FLAG_ONE, 1, 2, 0, FLAG_ONE, 2], seq: 1 }, undefined), undefined);
    assert.equal(soloRun({ t: "run", defs: [0, "file:///m.js", "f"], jobs: [1, 0, FLAG_ONE, 1], seq: 1 }, undefined), undefined);
    assert.equal(soloRun(run(1), [new ArrayBuffer(8)]), undefined);
    assert.equal(soloRun({ t: "run", defs: null, jobs: [1, 0, 0, [1, 2]], seq: 1 }, undefined), undefined);
    assert.equal(soloRun({ t: "close" }, undefined), undefined);
    for (const value of [{ a: 1 }, [1], () => 1, Symbol("s"), new Float64Array(1)]) assert.equal(isBare(value), false);
  });

  it("a malformed compact message is refused, not misread", () => {
    assert.throws(() => readSoloRun("1,2,3"), /Cannot handle message in pool worker as it is not a compact run: received "1,2,3"/);
    assert.throws(() => readSoloRun("1,2,3,4,?"), /not a compact run/);
  });
});

describe("ThreadPool: a lone awaited submit", () => {
  it("travels as one string there and the bare result back, and every primitive comes back as itself", async () => {
    const sent: unknown[] = [];
    const received: unknown[] = [];
    const post = Worker.prototype.postMessage;
    const emit = Worker.prototype.emit;
    Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: never) {
      sent.push(message);
      return post.call(this, message, transfer);
    };
    Worker.prototype.emit = function (this: Worker, event: string | symbol, ...args: unknown[]) {
      if (event === "message") received.push(args[0]);
      return emit.call(this, event, ...args);
    };
    const pool = new ThreadPool({ workers: 1 });
    try {
      assert.equal(await pool.submit(t.echo, "first"), "first"); // the first run carries the task's definition
      sent.length = received.length = 0;
      for (const value of primitives) {
        assert.ok(Object.is(await pool.submit(t.echo, value), value), `${String(value)} came back as itself`);
      }
      assert.deepEqual(sent.map((m) => typeof m), primitives.map(() => "string"));
      assert.deepEqual(received, primitives);
      // An object argument and an object result keep the object form.
      sent.length = received.length = 0;
      assert.deepEqual(await pool.submit(t.echo, { a: [1] }), { a: [1] });
      assert.deepEqual([typeof sent[0], typeof received[0]], ["object", "object"]);
    } finally {
      Worker.prototype.postMessage = post;
      Worker.prototype.emit = emit;
      await pool.terminate();
    }
    assert.deepEqual(pool.stats().workers, []);
  });
});

describe("ThreadPool: busy time of bare results", () => {
  it("reaches stats() through the worker's shared slot, as the object form's does", async () => {
    const pool = new ThreadPool({ workers: 1 });
    try {
      for (let i = 0; i < 200; i++) assert.equal(await pool.submit(t.square, i), i * i);
      const [worker] = pool.stats().workers;
      assert.equal(worker?.tasks, 200);
      assert.ok((worker?.utilisation ?? 0) > 0, `utilisation ${worker?.utilisation} counts the jobs' busy time`);
      assert.ok((worker?.utilisation ?? 2) <= 1);
    } finally {
      await pool.terminate();
    }
    assert.deepEqual(pool.stats().workers, []);
  });
});

describe("a task whose result is NaN", () => {
  it("resolves to NaN in the object form too (traced ThreadPool, ProcessPool), not a TypeError in the pool", async () => {
    // NaN !== NaN: the pool once took the decoded NaN for a promise of shared objects.
    for (const pool of [new ThreadPool({ workers: 1, trace: new TraceRecorder() }), new ProcessPool({ workers: 1 })]) {
      try {
        assert.ok(Number.isNaN(await pool.submit(t.echo, Number.NaN)));
        assert.ok(Number.isNaN(await pool.submit(t.echo, Number.NaN)));
      } finally {
        await pool.terminate();
      }
      assert.deepEqual(pool.stats().workers, []);
    }
  });
});
