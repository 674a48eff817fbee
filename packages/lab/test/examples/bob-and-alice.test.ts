import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = async (name: string) => {
  const script = fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], { timeout: 60_000 });
  assert.equal(stderr, "");
  return stdout.trimEnd().split("\n");
};

describe("examples/bob-and-alice", () => {
  it("async: alice wakes first, bob's result is printed first (Non-sequential Python, asyncio)", async () => {
    assert.deepEqual(await run("bob-and-alice-async"), ["hello alice", "hello bob", "bob done!", "alice done!"]);
  });

  it("callbacks: each result is printed as its task wakes (Non-sequential Python, call-back hell)", async () => {
    assert.deepEqual(await run("bob-and-alice-callbacks"), ["hello alice", "alice done!", "hello bob", "bob done!"]);
  });
});
