import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Thread } from "../../src/pool/thread.js";
import { runDaemonScript } from "./fixtures-tp/daemon-check.js";
import { lifecycleSuite, t } from "./fixtures-tp/lifecycle-suite.js";
import { SharedCounter } from "./fixtures-tp/shared-counter.js";

describe("Thread", () => {
  lifecycleSuite("Thread");

  it("shares a SharedArrayBuffer: a target blocked in Atomics.wait is released by the test", async () => {
    const buffer = new SharedArrayBuffer(8);
    const cells = new Int32Array(buffer);
    const thread = new Thread({ target: t.waitShared, args: [buffer] });
    thread.start();
    const started = Atomics.waitAsync(cells, 1, 0);
    if (started.async) await started.value;
    await thread.join(1);
    assert.equal(thread.isAlive, true);
    Atomics.store(cells, 0, 42);
    Atomics.notify(cells, 0);
    await thread.join();
    assert.equal(thread.result, 42);
  });

  it("revives shared-memory objects in arguments and results", async () => {
    const counter = new SharedCounter();
    const thread = new Thread({ target: t.bump, args: [counter, 3] });
    thread.start();
    await thread.join();
    assert.deepEqual(thread.result, { revived: true, value: 3 });
    assert.equal(counter.value, 3);

    const buffer = new SharedArrayBuffer(4);
    const maker = new Thread({ target: t.makeCounter, args: [buffer] });
    maker.start();
    await maker.join();
    assert.ok(maker.result instanceof SharedCounter);
    assert.equal(maker.result.value, 5);
    maker.result.add(1);
    assert.equal(new Int32Array(buffer)[0], 6);
  });

  it("kill() is terminate(): the worker stops", async () => {
    const buffer = new SharedArrayBuffer(8);
    const thread = new Thread({ target: t.waitShared, args: [buffer] });
    thread.start();
    const started = Atomics.waitAsync(new Int32Array(buffer), 1, 0);
    if (started.async) await started.value;
    thread.kill();
    await thread.join();
    assert.equal(thread.isAlive, false);
    assert.equal(thread.exitCode, 1);
  });

  it("resourceLimits must be an object", () => {
    assert.throws(() => new Thread({ target: t.add, args: [1, 2], resourceLimits: 5 as never }), {
      name: "TypeError",
      message: "Cannot create Thread as 'resourceLimits' must be an object: received 5",
    });
  });

  it("a daemon thread does not keep the program alive", async () => {
    const run = await runDaemonScript("thread", "daemon");
    assert.equal(run.exitCode, 0);
    assert.equal(run.stdout, "main done\n");
    assert.equal(run.targetConnected, true);
    assert.equal(run.targetGone, true);
  });

  it("a non-daemon thread keeps the program alive until its target returns", async () => {
    const run = await runDaemonScript("thread", "normal");
    assert.equal(run.exitCode, 0);
    assert.equal(run.stdout, "main done\ntarget got go\n");
    assert.equal(run.targetConnected, true);
    assert.equal(run.releasedAfterMainDone, true);
  });
  it("a program awaiting a daemon thread's join() stays alive until it ends", async () => {
    const run = await runDaemonScript("thread", "join");
    assert.equal(run.exitCode, 0);
    assert.equal(run.stdout, "main done\ntarget got go\njoined\n");
    assert.equal(run.releasedAfterMainDone, true);
  });
  it("types: args follow the target's parameters, result its return type", () => {
    // Checked by the compiler: a wrong line here fails the build.
    const build = (): Thread[] => {
      // @ts-expect-error add(a, b) needs its arguments
      const missing = new Thread({ target: t.add });
      // @ts-expect-error add takes numbers
      const wrong = new Thread({ target: t.add, args: ["1", 2] });
      const right = new Thread({ target: t.add, args: [1, 2], excepthook: (error, thread) => thread.name + error.message });
      const sum: number | undefined = right.result;
      const none = new Thread({ target: t.whereAmI });
      return sum === undefined ? [missing, wrong, right, none] : [];
    };
    assert.equal(typeof build, "function");
  });
});
