import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkInteger, checkMilliseconds } from "../../src/internal/validate.js";
import { callWithSignal, resolveTask, task, tasks, taskSignal } from "../../src/executor/task.js";

describe("task references", () => {
  it("tasks() hands out frozen references named after the export", () => {
    const t = tasks<{ square(x: number): number }>("file:///tmp/tasks.js");
    assert.deepEqual({ ...t.square }, { module: "file:///tmp/tasks.js", name: "square" });
    assert.ok(Object.isFrozen(t.square));
    assert.equal(t.square, t.square);
    assert.equal((t as unknown as { then: unknown }).then, undefined, "a tasks object is not thenable");
  });

  it("task() turns absolute paths into file URLs and refuses relative ones", () => {
    assert.equal(task("/srv/app/tasks.js", "f").module, "file:///srv/app/tasks.js");
    assert.throws(() => task("./tasks.js", "f"), { name: "TypeError", message: /'module' must be an absolute path or URL.*"\.\/tasks\.js"/ });
    assert.throws(() => task("/x.js", ""), { name: "TypeError", message: /'name' must be a non-empty string/ });
  });

  it("resolveTask() names the module and the missing export", async () => {
    await assert.rejects(resolveTask({ module: import.meta.url, name: "nope" }), {
      name: "TypeError",
      message: /has no export named 'nope'/,
    });
    await assert.rejects(resolveTask({ module: "file:///does/not/exist.js", name: "f" }), {
      message: /Cannot load task module file:\/\/\/does\/not\/exist\.js/,
    });
  });

  it("taskSignal() is the signal of the running task, and throws outside one", () => {
    assert.throws(() => taskSignal(), /must be called synchronously at the start of a task/);
    const controller = new AbortController();
    const seen = callWithSignal(() => taskSignal(), [], controller.signal);
    assert.equal(seen, controller.signal);
    assert.throws(() => taskSignal());
  });
});

describe("argument checks", () => {
  it("name the action, option and value", () => {
    assert.throws(() => checkInteger("create Semaphore", "value", -1), {
      name: "RangeError",
      message: "Cannot create Semaphore as 'value' must be a non-negative integer: received -1",
    });
    assert.throws(() => checkInteger("create pool", "workers", "2", { min: 1 }), {
      name: "TypeError",
      message: `Cannot create pool as 'workers' must be a positive integer: received "2"`,
    });
    assert.throws(() => checkInteger("x", "n", Number.NaN), { name: "RangeError", message: /received NaN/ });
    assert.throws(() => checkInteger("x", "n", 1.5), { name: "RangeError" });
    assert.equal(checkInteger("x", "n", Number.POSITIVE_INFINITY, { allowInfinity: true }), Number.POSITIVE_INFINITY);
    assert.throws(() => checkMilliseconds("sleep", "ms", -5), { message: /'ms' must be a non-negative number of milliseconds: received -5/ });
  });
});
