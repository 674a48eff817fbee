import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

describe("examples/thread-states", () => {
  it("shows a thread created, alive once started, dead after join()", async () => {
    const { stdout, stderr } = await runExample("thread-states");
    assert.equal(stderr, "");
    assert.deepEqual(stdout.trimEnd().split("\n"), [
      "created: name=t1 isAlive=false threadId=null exitCode=null",
      "started: isAlive=true threadId is a number: true",
      "hello",
      "joined: isAlive=false exitCode=0",
      "start() again: Cannot start 't1' as it has already been started",
    ]);
  });
});
