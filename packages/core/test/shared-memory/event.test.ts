import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Event } from "../../src/shared-memory/index.js";
import { run, start } from "./fixtures/run.js";

describe("Event", () => {
  it("wakes a worker blocked in waitSync()", async () => {
    const event = new Event();
    const w = start<boolean>("eventWait", event, 10_000);
    event.set();
    assert.equal(await w.result, true);
    await w.exited;
  });

  it("waitSync() in a worker times out with false when nobody sets it", async () => {
    assert.equal(await run("eventWait", new Event(), 10), false);
  });

  it("wait() on the main thread resolves on set(), and times out with false", async () => {
    const event = new Event();
    assert.equal(await event.wait({ timeout: 5 }), false);
    const waiting = event.wait();
    event.set();
    assert.equal(await waiting, true);
    assert.equal(event.isSet, true);
    event.clear();
    assert.equal(event.isSet, false);
  });

  it("an aborted wait() rejects with the signal's reason", async () => {
    const event = new Event();
    const controller = new AbortController();
    const waiting = event.wait({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, { message: "stop" });
    const again = event.wait({ timeout: 10_000 });
    event.set();
    assert.equal(await again, true);
  });

  it("waitSync() on the main thread is a clear error", () => {
    assert.throws(() => new Event().waitSync(), { code: "ERR_JUGGLE_MAIN_THREAD_BLOCK" });
  });
});
