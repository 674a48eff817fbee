import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { Process } from "../../src/pool/process.js";
import { runDaemonScript } from "./fixtures-tp/daemon-check.js";
import { lifecycleSuite, processGone, t } from "./fixtures-tp/lifecycle-suite.js";

describe("Process", () => {
  lifecycleSuite("Process");

  it("refuses a SharedArrayBuffer argument, which cannot reach another process", () => {
    assert.throws(() => new Process({ target: t.waitShared, args: [new SharedArrayBuffer(8)] }), {
      name: "TypeError",
      message: "Cannot create Process as 'args[0]' cannot be sent to a child process: received an instance of SharedArrayBuffer",
    });
  });

  it("carries Maps, Dates and typed arrays (advanced serialization)", async () => {
    const value = { map: new Map([["a", 1]]), when: new Date(0), bytes: new Uint8Array([1, 2]), big: 10n };
    const p = new Process({ target: t.echo, args: [value] });
    p.start();
    await p.join();
    assert.deepEqual(p.result, { value, kind: "[object Object]" });
  });

  it("execArgv must be an array of strings", () => {
    assert.throws(() => new Process({ target: t.add, args: [1, 2], execArgv: "--inspect" as never }), {
      name: "TypeError",
      message: `Cannot create Process as 'execArgv' must be an array of strings: received "--inspect"`,
    });
  });

  it("a daemon process does not keep the program alive and is terminated when it exits", async () => {
    const run = await runDaemonScript("process", "daemon");
    assert.equal(run.exitCode, 0);
    assert.match(run.stdout, /^main done\n$/);
    assert.equal(run.targetConnected, true);
    assert.equal(run.targetGone, true, "the daemon child was terminated with its parent");
  });

  it("a non-daemon process keeps the program alive until its target returns", async () => {
    const run = await runDaemonScript("process", "normal");
    assert.equal(run.exitCode, 0);
    assert.equal(run.stdout, "main done\ntarget got go\n");
    assert.equal(run.releasedAfterMainDone, true);
  });

  it("pid is the child's, and the child is gone after join()", async () => {
    const p = new Process({ target: t.whereAmI });
    p.start();
    const pid = p.pid as number;
    await p.join();
    assert.equal((p.result as { pid: number }).pid, pid);
    assert.ok(processGone(pid));
  });
  it("a program awaiting a daemon process's join() stays alive until it ends", async () => {
    const run = await runDaemonScript("process", "join");
    assert.equal(run.exitCode, 0);
    assert.equal(run.stdout, "main done\ntarget got go\njoined\n");
    assert.equal(run.releasedAfterMainDone, true);
  });
  it("what a Thread's or a Process's target prints appears in the program's stdout and stderr, before join() returns", async () => {
    const script = fileURLToPath(new URL("./fixtures-tp/speak-main.js", import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], { timeout: 60_000 });
    assert.equal(stdout, "out: thread\njoined thread\nout: process\njoined process\n");
    assert.equal(stderr, "err: thread\nerr: process\n");
  });
});
