import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

describe("examples/process-attributes", () => {
  it("shows pid, exitCode, join(timeout), terminate() and kill() at work", async () => {
    const { stdout, stderr } = await runExample("process-attributes");
    assert.equal(stderr, "");
    const lines = stdout.trimEnd().split("\n");
    assert.equal(lines.length, 7);
    assert.equal(lines[0], "before start: name=souschef daemon=false pid=null exitCode=null isAlive=false");
    const pid = /^after start: pid=(\d+) isAlive=true$/.exec(lines[1])?.[1];
    assert.ok(pid);
    assert.equal(lines[2], `after join: exitCode=0 isAlive=false result="soup cooked by process ${pid}"`);
    assert.deepEqual(lines.slice(3), [
      "after join(100): isAlive=true exitCode=null",
      "after terminate: isAlive=false exitCode=-15 signal=SIGTERM",
      "after kill: exitCode=-9 signal=SIGKILL",
      "after a failure: exitCode=1 error=The rice is burnt",
    ]);
  });
});
