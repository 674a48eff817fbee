import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, it } from "node:test";
import { listenAbort } from "../../src/internal/signal.js";

describe("listenAbort", () => {
  it("puts one listener on a signal however many callbacks wait on it, and removes it with the last", () => {
    const controller = new AbortController();
    const offs = Array.from({ length: 50 }, () => listenAbort(controller.signal, () => {}));
    assert.equal(getEventListeners(controller.signal, "abort").length, 1);
    for (const off of offs) off();
    assert.equal(getEventListeners(controller.signal, "abort").length, 0);
    // A new callback after that puts a listener again.
    const off = listenAbort(controller.signal, () => {});
    assert.equal(getEventListeners(controller.signal, "abort").length, 1);
    off();
  });

  it("calls the callbacks once, in registration order, with the reason; a removed one is not called", () => {
    const controller = new AbortController();
    const calls: string[] = [];
    let offC: () => void = () => {};
    listenAbort(controller.signal, (reason) => {
      calls.push(`a:${String(reason)}`);
      offC(); // removes a later callback during the dispatch
    });
    listenAbort(controller.signal, () => calls.push("b"));
    offC = listenAbort(controller.signal, () => calls.push("c"));
    const offD = listenAbort(controller.signal, () => calls.push("d"));
    offD();
    controller.abort("why");
    controller.abort("again");
    assert.deepEqual(calls, ["a:why", "b"]);
  });
});
