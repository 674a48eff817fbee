import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lineProgress, silentProgress } from "../src/progress.js";

describe("progress", () => {
  it("prints plain lines off a terminal: start, each quarter, done", () => {
    const lines: string[] = [];
    const progress = lineProgress((l) => lines.push(l));
    const task = progress.task("crawl: map", 8);
    for (let i = 0; i < 8; i++) task.tick();
    task.done();
    task.done();
    progress.log("note");
    assert.equal(lines[0], "crawl: map: started (8)");
    assert.deepEqual(lines.slice(1, 4), ["crawl: map: 2/8", "crawl: map: 4/8", "crawl: map: 6/8"]);
    assert.match(lines[4] ?? "", /^crawl: map: done in \d+\.\d\d s$/);
    assert.equal(lines[5], "note");
    assert.equal(lines.length, 6);
  });

  it("the silent progress accepts every call and writes nothing", (t) => {
    const out = t.mock.method(process.stdout, "write", () => true);
    const err = t.mock.method(process.stderr, "write", () => true);
    const log = t.mock.method(console, "log", () => {});
    const error = t.mock.method(console, "error", () => {});
    const progress = silentProgress();
    const task = progress.task("x", 1);
    task.tick(5);
    task.done();
    progress.log("x");
    progress.stop();
    const writes = [out, err, log, error].map((m) => m.mock.callCount());
    t.mock.restoreAll();
    assert.deepEqual(writes, [0, 0, 0, 0]);
  });
});
