import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { listExamples } from "../../src/commands/example.js";

const cli = fileURLToPath(new URL("../../src/cli.js", import.meta.url));
/** The example sources: test/examples/ → the repository's examples/ (dist/test/examples → ../../../examples). */
const sources = fileURLToPath(new URL("../../../examples/", import.meta.url));

/** Runs `juggle <args>`; resolves with the exit code and output (a non-zero exit is not a rejection). */
function juggle(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== "number") reject(error);
      else resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

describe("juggle example", () => {
  it("--list names every example of examples/ (and no task module), each with a summary", async () => {
    const expected = (await readdir(sources))
      .filter((f) => f.endsWith(".ts") && !f.endsWith("-tasks.ts"))
      .map((f) => f.slice(0, -3))
      .sort();
    assert.ok(expected.length >= 18, `found ${expected.length} examples`);
    const { code, stdout, stderr } = await juggle(["example", "--list"]);
    assert.equal(code, 0, stderr);
    const listed = stdout
      .trimEnd()
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s{2,}/));
    assert.deepEqual(
      listed.map(([name]) => name),
      expected,
    );
    for (const [name, summary] of listed) assert.ok((summary ?? "").length > 0, `${name} has a summary`);
  });

  it("runs an example with its arguments and inherited output, and exits with its code", async () => {
    const { code, stdout, stderr } = await juggle(["example", "thread-local-session", "1", "4"]);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, "");
    assert.match(stdout, /^Downloaded 4 sites, \d+ bytes\nWorker threads used: 1, sessions created: 1\nOne session per thread: yes\n$/);
  });

  it("refuses an unknown name with exit code 2, naming it and listing the examples", async () => {
    const { code, stdout, stderr } = await juggle(["example", "../package"]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /^Cannot run example as it is unknown: received "\.\.\/package"/);
    assert.match(stderr, /bob-and-alice-green/);
  });

  it("refuses a missing name with exit code 2", async () => {
    const { code, stderr } = await juggle(["example"]);
    assert.equal(code, 2);
    assert.match(stderr, /^Cannot run an example as no name was given/);
  });

  it("listExamples() leaves out task modules and takes each summary from the leading doc comment", async () => {
    const dir = await mkdtemp(join(tmpdir(), "juggle-examples-"));
    try {
      await writeFile(join(dir, "b.js"), "/**\n * Seed 9, \"B\": does b.\n * More text.\n *\n * @module\n */\nexport {};\n");
      await writeFile(join(dir, "a.js"), "// no doc comment\n");
      await writeFile(join(dir, "kitchen-tasks.js"), "/** Tasks. */\n");
      await writeFile(join(dir, "a.js.map"), "{}");
      await mkdir(join(dir, "tasks"));
      await writeFile(join(dir, "tasks", "t.js"), "/** Task. */\n");
      const url = pathToFileURL(`${dir}/`);
      assert.deepEqual(await listExamples(url), [
        { name: "a", summary: "" },
        { name: "b", summary: 'Seed 9, "B"' },
      ]);
      assert.deepEqual(await listExamples(new URL("missing/", url)), []);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
