/**
 * The behaviour Thread and Process share, run against both (like CPython's
 * tests that run one suite for threading and multiprocessing). Each test
 * starts at most one worker and ends with it gone.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { isMainThread, threadId } from "node:worker_threads";
import { JuggleError } from "../../../src/internal/errors.js";
import { Process } from "../../../src/pool/process.js";
import { task, tasks } from "../../../src/executor/task.js";
import { Thread } from "../../../src/pool/thread.js";
import { openGate } from "./gate.js";

export const targetsUrl = new URL("./targets.js", import.meta.url);
export const t = tasks<typeof import("./targets.js")>(targetsUrl);

type Kind = "Thread" | "Process";
type Runner = Thread<any> | Process<any>;

/** Builds a Thread or a Process from the same options. */
export function maker(kind: Kind): (options: Record<string, unknown>) => Runner {
  return (options) => (kind === "Thread" ? new Thread(options as any) : new Process(options as any));
}

/** A quiet excepthook that records what it was called with. */
export function recorder(): { calls: [Error, unknown][]; excepthook(error: Error, source: unknown): void } {
  const calls: [Error, unknown][] = [];
  return {
    calls,
    excepthook(error, source) {
      calls.push([error, source]);
    },
  };
}

/** True when no process with this pid exists any more. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export function lifecycleSuite(kind: Kind): void {
  const make = maker(kind);
  const id = (r: Runner): number | null => (r instanceof Thread ? r.threadId : r.pid);

  it(`${kind}: runs the target elsewhere and keeps its result after join()`, async () => {
    const runner = make({ target: t.whereAmI });
    assert.equal(runner.isAlive, false);
    assert.equal(runner.exitCode, null);
    assert.equal(id(runner), null);
    runner.start();
    assert.equal(runner.isAlive, true);
    assert.equal(typeof id(runner), "number");
    await runner.join();
    assert.equal(runner.isAlive, false);
    assert.equal(runner.exitCode, 0);
    assert.equal(runner.error, undefined);
    const where = runner.result as { isMainThread: boolean; threadId: number; pid: number };
    if (kind === "Thread") {
      assert.equal(where.isMainThread, false);
      assert.equal(where.threadId, id(runner));
      assert.equal(where.pid, process.pid);
    } else {
      assert.equal(where.pid, id(runner));
      assert.notEqual(where.pid, process.pid);
      assert.ok(processGone(where.pid));
    }
    assert.equal(isMainThread, true);
    assert.equal(threadId, 0);
  });

  it(`${kind}: passes arguments and awaits an async target`, async () => {
    const runner = make({ target: t.addLater, args: [20, 22] });
    runner.start();
    await runner.join();
    assert.equal(runner.result, 42);
  });

  it(`${kind}: start() twice, join() and terminate() before start(), daemon after start() are refused`, async () => {
    const runner = make({ target: t.add, args: [1, 2] });
    await assert.rejects(runner.join(), { name: "JuggleError", code: "ERR_JUGGLE_INVALID_STATE", message: /has not been started/ });
    assert.throws(() => runner.terminate(), { code: "ERR_JUGGLE_INVALID_STATE" });
    assert.throws(() => runner.kill(), { code: "ERR_JUGGLE_INVALID_STATE" });
    runner.daemon = true;
    runner.daemon = false;
    runner.start();
    assert.throws(() => runner.start(), (e: unknown) => e instanceof JuggleError && /already been started/.test(e.message));
    assert.throws(() => {
      runner.daemon = true;
    }, { code: "ERR_JUGGLE_INVALID_STATE" });
    await runner.join();
    await runner.join(); // may be joined many times
    runner.terminate(); // no-op once ended
    assert.equal(runner.result, 3);
  });

  it(`${kind}: join(timeout) returns while the target still runs, without throwing`, async () => {
    const gate = await openGate();
    try {
      const runner = make({ target: t.waitForGo, args: [gate.port] });
      runner.start();
      await gate.arrived(1);
      await runner.join(1);
      assert.equal(runner.isAlive, true);
      assert.equal(runner.exitCode, null);
      const controller = new AbortController();
      const joining = runner.join(undefined, { signal: controller.signal });
      controller.abort(new Error("stop waiting"));
      await assert.rejects(joining, { message: "stop waiting" });
      assert.equal(runner.isAlive, true);
      gate.release("go");
      await runner.join(60_000);
      assert.equal(runner.isAlive, false);
      assert.equal(runner.result, "go");
    } finally {
      await gate.close();
    }
  });

  it(`${kind}: a target's error keeps its class name, message, stack, code and properties`, async () => {
    const hook = recorder();
    const runner = make({ target: t.burn, args: ["soup"], excepthook: hook.excepthook });
    runner.start();
    await runner.join();
    assert.equal(runner.exitCode, 1);
    assert.equal(runner.result, undefined);
    const error = runner.error as Error & { code?: string; dish?: string };
    assert.ok(error instanceof Error);
    assert.equal(error.name, "KitchenError");
    assert.equal(error.message, "The soup is burnt");
    assert.equal(error.code, "E_BURNT");
    assert.equal(error.dish, "soup");
    assert.match(error.stack ?? "", /at burn/);
    assert.equal(hook.calls.length, 1);
    assert.equal(hook.calls[0][0], error);
    assert.equal(hook.calls[0][1], runner);
  });

  it(`${kind}: a built-in error from an async target arrives as its class`, async () => {
    const runner = make({ target: t.rejectWithRange, excepthook: recorder().excepthook });
    runner.start();
    await runner.join();
    assert.ok(runner.error instanceof RangeError);
    assert.equal(runner.error.message, "out of range");
  });

  it(`${kind}: the default excepthook prints the failure to stderr`, async () => {
    const written: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const runner = make({ target: t.burn, args: ["rice"], name: "chef" });
      runner.start();
      await runner.join();
    } finally {
      process.stderr.write = write;
    }
    const text = written.join("");
    assert.match(text, new RegExp(`Exception in ${kind.toLowerCase()} chef:\\nKitchenError: The rice is burnt`));
  });

  it(`${kind}: an uncaught error outside the target's call is its error`, async () => {
    const hook = recorder();
    const runner = make({ target: t.throwLater, excepthook: hook.excepthook });
    runner.start();
    await runner.join();
    assert.equal(runner.exitCode, 1);
    assert.equal(runner.error?.name, "TypeError");
    assert.equal(runner.error?.message, "thrown from a timer");
    assert.equal(hook.calls.length, 1);
  });

  it(`${kind}: ends when the target returns, even with a timer left running`, async () => {
    const runner = make({ target: t.leaveTimer });
    runner.start();
    await runner.join();
    assert.equal(runner.exitCode, 0);
    assert.equal(runner.result, "returned");
  });

  it(`${kind}: a target that calls process.exit() ends with that code and no error`, async () => {
    const hook = recorder();
    const runner = make({ target: t.exitWith, args: [7], excepthook: hook.excepthook });
    runner.start();
    await runner.join();
    assert.equal(runner.exitCode, 7);
    assert.equal(runner.error, undefined);
    assert.equal(hook.calls.length, 0);
  });

  it(`${kind}: a result that cannot be sent back becomes a TypeError`, async () => {
    const runner = make({ target: t.unsendable, excepthook: recorder().excepthook });
    runner.start();
    await runner.join();
    assert.equal(runner.error?.name, "TypeError");
    assert.match(runner.error?.message ?? "", /Cannot return the result of task 'unsendable'/);
  });

  it(`${kind}: a missing export or module is named in the error`, async () => {
    const missing = make({ target: task(targetsUrl, "nope"), excepthook: recorder().excepthook });
    missing.start();
    await missing.join();
    assert.match(missing.error?.message ?? "", /has no export named 'nope'/);
    const noModule = make({ target: task("/does/not/exist.js", "f"), excepthook: recorder().excepthook });
    noModule.start();
    await noModule.join();
    assert.match(noModule.error?.message ?? "", /Cannot load task module file:\/\/\/does\/not\/exist\.js/);
  });

  it(`${kind}: terminate() and kill() stop a running target`, async () => {
    const gate = await openGate();
    try {
      for (const how of ["terminate", "kill"] as const) {
        const runner = make({ target: t.waitForGo, args: [gate.port] });
        runner.start();
        await gate.arrived(how === "terminate" ? 1 : 2);
        runner[how]();
        await runner.join();
        assert.equal(runner.isAlive, false);
        assert.equal(runner.error, undefined);
        assert.equal(runner.result, undefined);
        if (runner instanceof Process) {
          const signal = how === "terminate" ? "SIGTERM" : "SIGKILL";
          assert.equal(runner.signalCode, signal);
          assert.equal(runner.exitCode, how === "terminate" ? -15 : -9);
          assert.ok(processGone(runner.pid as number));
        } else {
          assert.equal(runner.exitCode, 1);
        }
      }
      await gate.departed(2);
    } finally {
      await gate.close();
    }
  });

  it(`${kind}: await using terminates a running target`, async () => {
    const gate = await openGate();
    let runner: Runner;
    try {
      runner = make({ target: t.forever });
      runner.start();
      await runner[Symbol.asyncDispose]();
      assert.equal(runner.isAlive, false);
      assert.notEqual(runner.exitCode, null);
      await runner[Symbol.asyncDispose](); // idempotent
    } finally {
      await gate.close();
    }
  });

  it(`${kind}: names, env and defaults`, async () => {
    const runner = make({ target: t.envValue, args: ["JUGGLE_TP"], env: { JUGGLE_TP: "seen" } });
    assert.match(runner.name, kind === "Thread" ? /^Thread-\d+ \(envValue\)$/ : /^Process-\d+$/);
    assert.equal(runner.daemon, false);
    runner.name = "renamed";
    assert.equal(runner.name, "renamed");
    runner.start();
    await runner.join();
    assert.equal(runner.result, "seen");
  });

  it(`${kind}: bad options are refused with errors naming them`, () => {
    function notATask(): number {
      return 1;
    }
    assert.throws(() => make({ target: notATask }), {
      name: "TypeError",
      message: `Cannot create ${kind} as 'target' must be a task reference (see tasks() and task()): received function notATask`,
    });
    assert.throws(() => make(undefined as never), { name: "TypeError", message: /'options' must be an object/ });
    assert.throws(() => make({ target: t.add, args: 3 }), { name: "TypeError", message: /'args' must be an array: received 3/ });
    assert.throws(() => make({ target: t.add, name: 5 }), { name: "TypeError", message: /'name' must be a string: received 5/ });
    assert.throws(() => make({ target: t.add, daemon: "yes" }), { name: "TypeError", message: /'daemon' must be a boolean: received "yes"/ });
    assert.throws(() => make({ target: t.add, env: "X=1" }), { name: "TypeError", message: /'env' must be an object/ });
    assert.throws(() => make({ target: t.add, excepthook: 1 }), { name: "TypeError", message: /'excepthook' must be a function/ });
    assert.throws(() => make({ target: t.add, args: [1, () => 2] }), {
      name: "TypeError",
      message: /'args\[1\]' cannot be sent to a .*: received function \(anonymous\)/,
    });
    const runner = make({ target: t.add, args: [1, 2] });
    return assert.rejects(runner.join(-1), { name: "RangeError", message: /'timeout' must be a non-negative number of milliseconds or Infinity: received -1/ });
  });
}
