import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatTable, MAX_TABLE_WIDTH } from "../src/runner.js";

describe("formatTable", () => {
  it("fits 100 columns by wrapping the widest text columns, losing nothing, and wraps the caption", () => {
    const rows: [string, number, string, string][] = [
      ["queue + ProcessQueue, processes", 2, "0.953 (0.931–0.967)", "x".repeat(150)],
      ["queue + Manager queue, processes", 2, "1.763 (1.601–1.802)", "short"],
    ];
    const text = formatTable({
      title: "Wide",
      columns: ["variant", "n", "seconds (min–max)", "note"],
      rows,
      caption: "word ".repeat(60).trim(),
    });
    const lines = text.split("\n");
    assert.ok(lines.every((l) => l.length <= MAX_TABLE_WIDTH), lines.map((l) => l.length).join(","));
    assert.doesNotMatch(text, /…/);
    // Every word of every cell is there; the two variants stay told apart.
    const words = text.split(/\s+/);
    for (const row of rows) {
      for (const cell of row) {
        if (typeof cell === "number") assert.ok(words.includes(String(cell)));
        else if (cell.startsWith("xxx")) assert.equal((text.match(/x{10,}/g) ?? []).join("").length, 150);
        else for (const word of cell.split(" ")) assert.ok(words.includes(word), `${word} in\n${text}`);
      }
    }
    // Multi-line rows are kept apart by a blank line.
    assert.ok(lines.includes(""));
  });

  it("leaves the table it prints as it was (the report and results.json show the same table)", () => {
    const table = {
      title: "Wide",
      columns: ["variant", "seconds (min–max)", "µs per number", "numbers per worker", "a".repeat(60)],
      rows: [["queue + async feeder", "0.588 (0.583–0.596)", 29.4, "10405 / 9595", "b".repeat(70)]],
    };
    const before = structuredClone(table);
    formatTable(table);
    assert.deepEqual(table, before);
  });

  it("never wraps a numeric column", () => {
    const text = formatTable({
      title: "Numbers",
      columns: ["what", ...Array.from({ length: 9 }, (_, i) => `column ${i}`)],
      rows: [["a long label that has to wrap somewhere", ...Array.from({ length: 9 }, (_, i) => 1234567.5 + i)]],
    });
    for (let i = 0; i < 9; i++) assert.match(text, new RegExp(`${1234567.5 + i}`.replace(".", "\\.")));
  });

  it("leaves a narrow table as it is", () => {
    const text = formatTable({ title: "T", columns: ["a", "b"], rows: [["x", 1]] });
    assert.equal(text, "T\na  b\n-  -\nx  1");
  });
});
