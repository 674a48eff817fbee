import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

describe("examples/convert-directory", () => {
  it("compresses every file of a directory, two at a time, and reports each in order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "juggle-convert-"));
    try {
      await writeFile(join(dir, "a.xml"), "<a/>");
      await writeFile(join(dir, "b.xml"), "<b/>");
      await writeFile(join(dir, "c.xml"), "<c/>");
      await mkdir(join(dir, "d-directory")); // gzip refuses directories
      const { stdout, stderr } = await runExample("convert-directory", [dir]);
      assert.equal(stderr, "");
      const lines = stdout.trimEnd().split("\n");
      assert.deepEqual(lines.slice(0, 3), ["a.xml: converted", "b.xml: converted", "c.xml: converted"]);
      assert.match(lines[3], /^d-directory: failed with exit code [12]: /);
      for (const name of ["a.xml", "b.xml", "c.xml"]) assert.ok(existsSync(join(dir, `${name}.gz`)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
