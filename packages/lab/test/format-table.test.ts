import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatTable, MAX_TABLE_WIDTH } from "../src/runner.js";

describe("formatTable", () => {
  it("fits 100 columns by cutting the widest text column, and wraps the caption", () => {
    const text = formatTable({
      title: "Wide",
      columns: ["variant", "n", "note"],
      rows: [
        ["serial", 1, "x".repeat(150)],
        ["map", 100, "short"],
      ],
      caption: "word ".repeat(60).trim(),
    });
    const lines = text.split("\n");
    assert.ok(lines.every((l) => l.length <= MAX_TABLE_WIDTH), lines.map((l) => l.length).join(","));
    assert.match(text, /x…/);
    assert.match(text, /map\s+100\s+short/);
  });

  it("leaves a narrow table as it is", () => {
    const text = formatTable({ title: "T", columns: ["a", "b"], rows: [["x", 1]] });
    assert.equal(text, "T\na  b\n-  -\nx  1");
  });
});
