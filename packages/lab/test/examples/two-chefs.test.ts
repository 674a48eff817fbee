import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

describe("examples/two-chefs", () => {
  it("Barron joins Olivia: she is done before he reports her dead", async () => {
    const { stdout, stderr } = await runExample("two-chefs", ["1500", "50"]);
    assert.equal(stderr, "");
    const lines = stdout.trimEnd().split("\n");
    const olivia = lines.filter((l) => l.startsWith("Olivia"));
    const barron = lines.filter((l) => !l.startsWith("Olivia"));
    assert.deepEqual(barron, [
      "Barron started & requesting Olivia's help.",
      "  Olivia alive?: false",
      "Barron tells Olivia to start.",
      "  Olivia alive?: true",
      "Barron continues cooking soup.",
      "  Olivia alive?: true",
      "Barron patiently waits for Olivia to finish and join...",
      "  Olivia alive?: false",
      "Barron and Olivia are both done!",
    ]);
    assert.deepEqual(olivia, ["Olivia started & waiting for sausage to thaw...", "Olivia is done cutting sausage."]);
    // join() returned after her last line reached our stdout.
    assert.ok(lines.indexOf("Olivia is done cutting sausage.") < lines.lastIndexOf("  Olivia alive?: false"));
  });
});
