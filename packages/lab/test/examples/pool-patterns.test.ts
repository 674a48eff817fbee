import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

const lines = async (name: string, args: string[] = []): Promise<string[]> => {
  const { stdout, stderr } = await runExample(name, args);
  assert.equal(stderr, "");
  return stdout.trimEnd().split("\n");
};

const workerLines = [0, 1, 2, 3, 4, 5].map((x) => `In worker with:  ${x}`);

describe("examples/pool-* (the Pool patterns of How many snakes do you need?)", () => {
  it("pool-map: every item reaches a worker, and the results are printed in input order", async () => {
    const output = await lines("pool-map", ["2"]);
    assert.equal(output.length, 7, output.join("\n"));
    assert.deepEqual(output.slice(0, 6).sort(), workerLines);
    assert.equal(output[6], "[0, 1, 4, 9, 16, 25]");
  });

  it("pool-imap-unordered: every square is printed once, each after its item reached a worker", async () => {
    const output = await lines("pool-imap-unordered", ["2"]);
    assert.equal(output.length, 12, output.join("\n"));
    assert.deepEqual(output.filter((l) => l.startsWith("In worker")).sort(), workerLines);
    const results = output.filter((l) => !l.startsWith("In worker")).map(Number);
    assert.deepEqual([...results].sort((a, b) => a - b), [0, 1, 4, 9, 16, 25]);
    for (const square of results) {
      const x = Math.sqrt(square);
      assert.ok(output.indexOf(`In worker with:  ${x}`) < output.indexOf(String(square)), `${square} before its worker line`);
    }
  });

  it("pool-apply-async: the callback gets 9, get(timeout) gets 4, a short get() times out and the task still finishes", async () => {
    const output = await lines("pool-apply-async");
    assert.equal(output.length, 6, output.join("\n"));
    assert.deepEqual(output.slice(0, 4).sort(), [
      "Blocking result: 4",
      "In collect results:  9",
      "In worker with:  2",
      "In worker with:  3",
    ]);
    assert.ok(output.indexOf("In worker with:  3") < output.indexOf("In collect results:  9"));
    assert.ok(output.indexOf("In worker with:  2") < output.indexOf("Blocking result: 4"));
    assert.deepEqual(output.slice(4), ["Timed out after 50 ms; the task goes on: ready() = false", "Late result: 25"]);
  });
});
