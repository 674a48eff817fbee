/**
 * The take-back half of a worker process's watchdog thread. The pool-level
 * behaviour (no job waits behind a spinning one, each runs once) is in
 * `work-stealing.test.ts`; this checks what those tests cannot see on a Node
 * that strips types from evaluated thread code.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import vm from "node:vm";
import { ANSWER_TAKE_BACKS } from "../../src/pool/process-take-back.js";

describe("process take-back channel", () => {
  it("the watchdog thread's take-back script is plain JavaScript (Node 22 evaluates it without stripping types)", () => {
    assert.doesNotThrow(() => new vm.Script(ANSWER_TAKE_BACKS));
  });
});
