import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runExample } from "./run-example.js";

const lines = async (name: string): Promise<string[]> => {
  const { stdout, stderr } = await runExample(name);
  assert.equal(stderr, "");
  return stdout.trimEnd().split("\n");
};

/**
 * The workers print as they wake and the main program prints the queue after
 * joining both: every hello comes before every result, and the results leave
 * the queue in the order the workers put them (each puts right after its
 * hello). Which worker wakes first depends on start-up times, so the test
 * does not insist that it is alice.
 */
function assertQueueOrder(output: string[]): void {
  assert.equal(output.length, 4, output.join("\n"));
  const woke = output.slice(0, 2).map((line) => /^hello (bob|alice)$/.exec(line)?.[1]);
  assert.deepEqual([...woke].sort(), ["alice", "bob"], output.join("\n"));
  assert.deepEqual(output.slice(2), woke.map((name) => `${name} done!`));
}

describe("examples/bob-and-alice in the remaining styles (Non-sequential Python)", () => {
  it("processes: both say hello in child processes, then the manager's queue gives both results in put order", async () => {
    assertQueueOrder(await lines("bob-and-alice-processes"));
  });

  it("threads: both say hello in worker threads, then the shared queue gives both results in put order", async () => {
    assertQueueOrder(await lines("bob-and-alice-threads"));
  });

  it("green threads: cooperative sleeps let alice wake first; blocking sleeps run bob first", async () => {
    assert.deepEqual(await lines("bob-and-alice-green"), [
      "-- cooperative (gevent with monkey.patch_all()) --",
      "hello alice",
      "hello bob",
      "bob done!",
      "alice done!",
      "-- blocking (gevent without monkey.patch_all()) --",
      "hello bob",
      "hello alice",
      "bob done!",
      "alice done!",
    ]);
  });
});
