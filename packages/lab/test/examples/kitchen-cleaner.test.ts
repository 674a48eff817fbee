import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

describe("examples/kitchen-cleaner", () => {
  it("ends by itself while the daemon cleaner is still cleaning", async () => {
    const { stdout, stderr } = await runExample("kitchen-cleaner", ["20", "50"]);
    assert.equal(stderr, "");
    const lines = stdout.trimEnd().split("\n");
    assert.deepEqual(
      lines.filter((l) => !l.startsWith("Olivia cleaned")),
      [
        "Barron is cooking...",
        "Barron is cooking...",
        "Barron is done!",
        "Olivia still cleaning? true (a daemon: the program ends anyway)",
      ],
    );
    for (const line of lines) assert.match(line, /^(Barron|Olivia)/);
  });
});
