import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const script = fileURLToPath(new URL("../../examples/primitives.js", import.meta.url));

describe("examples/primitives", () => {
  it("shows each synchronization primitive of Concurrent Programming at work", async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], { timeout: 60_000 });
    assert.equal(stderr, "");
    assert.deepEqual(stdout.trimEnd().split("\n"), [
      "Lock: without a lock, 10 increments give x = 1",
      "Lock: with a lock, 10 increments give x = 10",
      "Semaphore: 6 downloads with Semaphore(2), at most 2 at once",
      "BoundedSemaphore: a second release fails with ERR_JUGGLE_RELEASED_TOO_OFTEN",
      "Event: before set(), 0 runners started",
      "Event: after set(), alice, bob, carol started",
      "Condition: the consumer got apple",
      "Queue: 2 workers squared 1..6 into 1 4 9 16 25 36",
    ]);
  });
});
