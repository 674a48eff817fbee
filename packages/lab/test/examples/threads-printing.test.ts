import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

describe("examples/threads-printing", () => {
  it("prints 'Done' at once, and every thread's ten numbered prints before the program ends", async () => {
    const { stdout, stderr } = await runExample("threads-printing", ["2", "10"]);
    assert.equal(stderr, "");
    const words = stdout.split(/\s+/).filter(Boolean);
    assert.equal(words[0], "Starting");
    assert.ok(words.includes("Done"));
    const prints = words.filter((w) => w !== "Starting" && w !== "Done");
    assert.equal(prints.length, 20);
    for (const word of prints) assert.match(word, /^[a-g][0-9]$/);
    // Each thread prints 0..9 once: every digit appears once per thread.
    for (let i = 0; i < 10; i++) assert.equal(prints.filter((w) => w.endsWith(String(i))).length, 2);
  });
});
