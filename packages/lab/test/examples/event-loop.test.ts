import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

const saving = [
  "Saving Hello World to database",
  "(the loop runs other functions while the database works)",
  "Response from database: saved 'Hello World'",
];

describe("examples/event-loop (High Performance Python, Examples 8-1 and 8-2)", () => {
  it("runs hello/world on the hand-written loop, then saves a value with a callback, a coroutine and async/await", async () => {
    const { stdout, stderr } = await runExample("event-loop");
    assert.equal(stderr, "");
    assert.deepEqual(stdout.trimEnd().split("\n"), [
      "-- Example 8-1: hello world on a hand-written event loop --",
      ...["Hello", "world", "Hello", "world", "Hello", "world"],
      "-- Example 8-2: callbacks --",
      ...saving,
      "-- futures and a coroutine --",
      ...saving,
      "-- async/await on Node's own event loop --",
      ...saving,
    ]);
  });
});
