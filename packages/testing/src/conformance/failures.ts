/**
 * Failures: task errors, bad tasks, bad arguments and options, timeouts, aborts, and (for isolated backends) crashes and clone errors.
 * Part of the executor contract suite (`juggle-testing/conformance`).
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TimeoutError, tasks, WorkerCrashedError } from "juggle-core";
import { it } from "node:test";
import { type Suite, t, tasksModule, waitUntil } from "./context.js";

export function failuresContract({ caps, make, two }: Suite): void {
  it("a throwing task rejects with the same name, message, stack, code and own properties", async () => {
    await using ex = two();
    const error = await ex.submit(t.fail, "it broke").then(
      () => assert.fail("should have thrown"),
      (e: unknown) => e as Error & { code: string; detail: unknown },
    );
    assert.equal(error.name, "CustomError");
    assert.equal(error.message, "it broke");
    assert.equal(error.code, "E_CUSTOM");
    assert.deepEqual(error.detail, { why: "because" });
    assert.match(error.stack ?? "", /CustomError: it broke\n\s+at fail \(.*fixtures\/tasks\.js/);
    await assert.rejects(ex.submit(t.failAsync, "async"), { name: "TypeError", message: "async" });
    await assert.rejects(ex.submit(t.throwString), { message: /Non-error value thrown: "a string"/ });
    await assert.rejects(ex.starmap(t.failOn, [[1, 3], [3, 3], [2, 3]], { chunksize: 1 }), {
      name: "RangeError",
      message: "bad item 3",
    });
    assert.equal(await ex.submit(t.square, 3), 9, "the executor still works");
  });

  it("an unknown export, a missing module or a non-function export is reported by name", async () => {
    await using ex = two();
    const missing = tasks<{ nope(): void }>(tasksModule).nope;
    await assert.rejects(ex.submit(missing), { name: "TypeError", message: /no export named 'nope'/ });
    const notFn = tasks<{ notAFunctionExport(): void }>(tasksModule);
    await assert.rejects(ex.submit(notFn.notAFunctionExport), {
      message: /export 'notAFunctionExport' .* is not a function: received 42/,
    });
    const gone = tasks<{ f(): void }>(new URL("../fixtures/no-such-module.js", import.meta.url)).f;
    // A remote worker runs only the modules it was started with, and says so.
    const goneMessage = caps.remote
      ? /Cannot run task module .*no-such-module\.js as this worker only runs/
      : /Cannot load task module .*no-such-module\.js/;
    await assert.rejects(ex.submit(gone), { message: goneMessage });
    await assert.rejects(ex.submit({} as never), { name: "TypeError", message: /'task' must be a task reference/ });
  });

  it("arguments that cannot be sent are refused with a TypeError naming them, before anything is queued", async () => {
    await using ex = two();
    const before = ex.stats().submitted;
    await assert.rejects(ex.submit(t.echo, (() => 1) as never), {
      name: "TypeError",
      message: /args\[0\] cannot be sent to a worker .*received function/,
    });
    await assert.rejects(ex.submit(t.add, 1, { cb: () => 2 } as never), { name: "TypeError", message: /args\[1\]\.cb / });
    await assert.rejects(ex.submit(t.echo, Symbol("s") as never), { name: "TypeError", message: /received Symbol\(s\)/ });
    await assert.rejects(ex.map(t.echo, [1, 2, () => 3]), { name: "TypeError", message: /items\[2\]/ });
    assert.equal(ex.stats().submitted, before, "nothing was queued");
  });

  it("arguments and results are copied by the structured clone contract (Map, Set, BigInt, Date, undefined, typed arrays)", async () => {
    await using ex = two();
    const value = {
      map: new Map<unknown, unknown>([[1, { a: [1n] }], ["k", new Set(["x"])]]),
      big: 2n ** 70n,
      date: new Date(1_700_000_000_000),
      missing: undefined,
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([0.5, -0, Number.NaN]),
      nested: [null, undefined, Number.POSITIVE_INFINITY, /re/g, new Error("carried")],
    };
    const back = await ex.submit(t.echo, value);
    assert.deepEqual(back, value);
    assert.ok(back.map instanceof Map && back.date instanceof Date && back.bytes instanceof Uint8Array);
    assert.ok("missing" in back, "an own undefined property survives");
    assert.equal(await ex.submit(t.echo, undefined), undefined);
    assert.deepEqual(await ex.map(t.echo, [1n, undefined, new Date(0)], { chunksize: 2 }), [1n, undefined, new Date(0)]);
    assert.equal(await ex.submit(t.byteLength, new ArrayBuffer(1000)), 1000);
  });

  if (caps.isolated || caps.remote) {
    it("an argument that fails to clone only when posted fails only its own task", async () => {
      await using ex = two();
      const deep = { a: { b: { c: { d: () => 1 } } } };
      const others = Array.from({ length: 5 }, (_, i) => ex.submit(t.square, i));
      const bad = ex.submit(t.echo, deep as never);
      await assert.rejects(bad, { name: "TypeError", message: /Cannot send task 'echo' to a worker as its arguments cannot be cloned/ });
      assert.deepEqual(await Promise.all(others), [0, 1, 4, 9, 16]);
      await assert.rejects(ex.submit(t.returnFunction), { message: /cannot be cloned/ });
      assert.equal(await ex.submit(t.square, 5), 25);
    });
  }

  it("bad options are refused with errors naming the option and value", async () => {
    if (caps.workerOptions) {
      assert.throws(() => make({ workers: 0 }), { name: "RangeError", message: /'workers' must be a positive integer.*: received 0/ });
      assert.throws(() => make({ workers: -1 }), { name: "RangeError", message: /'workers'.*received -1/ });
      assert.throws(() => make({ workers: Number.NaN }), { name: "RangeError", message: /'workers'.*received NaN/ });
      assert.throws(() => make({ workers: "2" as never }), { name: "TypeError", message: /'workers'.*received "2"/ });
      assert.throws(() => make({ maxTasksPerChild: 0 }), { name: "RangeError", message: /'maxTasksPerChild'/ });
      assert.throws(() => make({ idleTimeout: -1 }), { name: "RangeError", message: /'idleTimeout'/ });
      assert.throws(() => make({ initializer: "init" as never }), { name: "TypeError", message: /'task' must be a task reference/ });
    }
    assert.throws(() => make({ trace: {} as never }), { name: "TypeError", message: /'trace' must be a TraceRecorder/ });
    await using ex = two();
    await assert.rejects(ex.map(t.square, [1], { chunksize: 0 }), { name: "RangeError", message: /'chunksize'.*received 0/ });
    await assert.rejects(ex.map(t.square, [1], { chunksize: 1.5 }), { name: "RangeError", message: /'chunksize'/ });
    await assert.rejects(ex.run(t.square, [1], { timeout: -1 }), { name: "RangeError", message: /'timeout'.*received -1/ });
    await assert.rejects(ex.run(t.square, [1], { signal: "x" as never }), { name: "TypeError", message: /'signal'/ });
    await assert.rejects(ex.map(t.square, 5 as never), { name: "TypeError", message: /'items' must be iterable/ });
  });

  it("a task over its timeout is rejected with TimeoutError and the executor goes on", async () => {
    await using ex = two();
    // A worker can be stopped mid-loop; the event loop cannot, so inline gets an async hang.
    const stuck = caps.isolated ? t.spin : t.hang;
    await assert.rejects(ex.run(stuck, [], { timeout: 20 }), (e: unknown) => {
      assert.ok(e instanceof TimeoutError);
      assert.match((e as Error).message, /timed out after 20 ms/);
      return true;
    });
    assert.deepEqual(await Promise.all([ex.submit(t.square, 2), ex.submit(t.square, 3)]), [4, 9]);
  });

  it("aborting a queued task removes it at once; a running one sees its taskSignal() abort", async () => {
    await using ex = make({ workers: 1 });
    const before = await ex.submit(t.getAbortsSeen);
    const first = new AbortController();
    const second = new AbortController();
    const running = ex.run(t.waitForAbort, [], { signal: first.signal });
    const queued = ex.run(t.square, [4], { signal: second.signal });
    if (caps.remote) {
      // Both jobs are "running" once handed to the queue, and a worker with a
      // free slot runs the second at once: its result (jobs are taken in
      // order) shows the first has reached a worker.
      assert.equal(await queued, 16);
    } else {
      await waitUntil(() => ex.stats().running === 1 && ex.stats().queued === 1, "one task runs and one waits");
      second.abort(new Error("not needed"));
      await assert.rejects(queued, { message: "not needed" });
      assert.equal(ex.stats().queued, 0);
    }
    first.abort(new Error("stop"));
    await assert.rejects(running, { message: "stop" });
    // A remote worker hears of the abort on another channel than the next task.
    const deadline = Date.now() + 10_000;
    let seen = await ex.submit(t.getAbortsSeen);
    while (caps.remote && seen !== before + 1 && Date.now() < deadline) seen = await ex.submit(t.getAbortsSeen);
    assert.equal(seen, before + 1, "the task saw its signal abort");
    const already = AbortSignal.abort(new Error("too late"));
    await assert.rejects(ex.run(t.square, [1], { signal: already }), { message: "too late" });
  });

  it("one signal shared by many tasks cancels them all, with one listener (no leak warning)", async () => {
    await using ex = make({ workers: 1 });
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const blocker = ex.run(t.waitForAbort, [], { signal: controller.signal });
      const queued = Array.from({ length: 30 }, (_, i) => ex.run(t.square, [i], { signal: controller.signal }));
      const outcomes = Promise.allSettled([blocker, ...queued]);
      controller.abort(new Error("all of them"));
      for (const outcome of await outcomes) {
        assert.equal(outcome.status, "rejected");
        assert.equal((outcome as PromiseRejectedResult).reason.message, "all of them");
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.filter((w) => w.name === "MaxListenersExceededWarning"),
        [],
      );
      assert.equal(await ex.submit(t.square, 3), 9);
    } finally {
      process.off("warning", onWarning);
    }
  });

  if (caps.isolated) {
    it("a running task that ignores its abort has its worker replaced after the grace period", async () => {
      await using ex = make({ workers: 1, abortGrace: 10 });
      const firstWorker = await ex.submit(t.whoami);
      const controller = new AbortController();
      const task = ex.run(t.ignoreAbort, [], { signal: controller.signal });
      await waitUntil(() => ex.stats().running === 1, "the task runs");
      controller.abort(new Error("give up"));
      await assert.rejects(task, { message: "give up" });
      const secondWorker = await ex.submit(t.whoami);
      assert.notEqual(secondWorker, firstWorker);
    });

    it("process.exit() in a task fails only that task with WorkerCrashedError and every other task completes (tinypool leaves it pending)", async () => {
      await using ex = two();
      const crash = ex.submit(t.exit, 3);
      const others = Array.from({ length: 20 }, (_, i) => ex.submit(t.square, i));
      await assert.rejects(crash, (e: unknown) => {
        assert.ok(e instanceof WorkerCrashedError);
        assert.equal(e.exitCode, 3);
        assert.match(e.message, /exited with code 3 while running task 'exit'/);
        return true;
      });
      assert.deepEqual(
        await Promise.all(others),
        Array.from({ length: 20 }, (_, i) => i * i),
      );
      assert.equal(await ex.submit(t.square, 9), 81, "the pool replaced the worker");
    });

    it("an uncaught error thrown from a timer in the worker fails only its task, and the caller survives (poolifier crashes)", async () => {
      await using ex = two();
      const crash = ex.submit(t.throwLater, "boom from a timer");
      const other = ex.submit(t.later, "fine", 5);
      await assert.rejects(crash, (e: unknown) => {
        assert.ok(e instanceof WorkerCrashedError);
        assert.equal(e.exitCode, 1);
        return true;
      });
      assert.equal(await other, "fine");
      assert.equal(await ex.submit(t.square, 4), 16);
    });

    it("a task whose worker crashed runs again under the retries policy", async () => {
      const marker = join(tmpdir(), `juggle-exit-once-${process.pid}-${Math.random()}`);
      try {
        await using ex = make({ workers: 1, retries: 1 });
        assert.equal(await ex.submit(t.exitOnce, marker), "second attempt");
      } finally {
        rmSync(marker, { force: true });
      }
    });

    it("initializer runs once per worker before its first task; maxTasksPerChild replaces workers", async () => {
      await using ex = make({ workers: 1, initializer: t.init, initargs: ["ready"], maxTasksPerChild: 1 });
      const a = await ex.submit(t.getInit);
      assert.deepEqual(a, { value: "ready", count: 1 });
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) ids.add(await ex.submit(t.whoami));
      assert.equal(ids.size, 3, "each task ran on a fresh worker");
      assert.deepEqual(await ex.submit(t.getInit), { value: "ready", count: 1 });
    });

    it("a failing initializer fails the tasks sent to that worker with an error saying so", async () => {
      await using ex = make({ workers: 1, initializer: t.failInit });
      await assert.rejects(ex.submit(t.square, 2), { message: /initializer failed: initializer failed on purpose/ });
    });

    it("a worker that dies in its initializer fails the task it was given instead of respawning forever", async () => {
      await using ex = make({ workers: 1, initializer: t.exitInInit });
      await assert.rejects(ex.submit(t.square, 2), (e: unknown) => {
        assert.ok(e instanceof WorkerCrashedError);
        assert.equal(e.exitCode, 5);
        return true;
      });
    });

    it("idle workers exit after idleTimeout and are restarted on demand", async () => {
      await using ex = make({ workers: 1, idleTimeout: 10 });
      assert.equal(await ex.submit(t.square, 2), 4);
      await waitUntil(() => ex.stats().workers.length === 0, "the idle worker exits");
      assert.equal(await ex.submit(t.square, 3), 9);
    });
  }
}
