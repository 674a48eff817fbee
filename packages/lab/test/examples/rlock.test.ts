import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

describe("examples/rlock (Concurrent Programming: one lock per thread, or an RLock)", () => {
  it("a nested plain Lock times out in its worker; nested RLock deposits from two threads lose nothing", async () => {
    const { stdout, stderr } = await runExample("rlock", ["2000"]);
    assert.equal(stderr, "");
    assert.deepEqual(stdout.trimEnd().split("\n"), [
      "With a plain Lock: deadlock: Cannot run under lock as acquiring it timed out after 100 ms",
      "With an RLock: balance 8000 (expected 8000)",
    ]);
  });
});
