import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { map } from "../../src/async/map.js";
import { Queue } from "../../src/async/queue.js";
import { Semaphore } from "../../src/async/semaphore.js";
import { sleep } from "../../src/async/sleep.js";
import { TaskGroup } from "../../src/async/task-group.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `body` and returns the process warnings it caused (they are emitted on a later tick). */
async function warningsOf(body: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const onWarning = (warning: Error): void => {
    seen.push(warning);
  };
  process.on("warning", onWarning);
  try {
    await body();
    await tick();
    await tick();
  } finally {
    process.off("warning", onWarning);
  }
  return seen;
}

describe("documented usage adds no more than one abort listener where a signal is shared", () => {
  it("map() at its default concurrency with fn passing its signal on prints no MaxListenersExceededWarning", async () => {
    const warnings = await warningsOf(async () => {
      const results = await map(Array.from({ length: 40 }, (_, i) => i), async (n, { signal }) => {
        await sleep(1, { signal });
        return n;
      }).toArray();
      assert.equal(results.length, 40);
    });
    assert.deepEqual(warnings.map((w) => `${w.name}: ${w.message}`), []);
  });

  it("a TaskGroup of 20 tasks listening to the group's signal prints no warning", async () => {
    const warnings = await warningsOf(async () => {
      const group = new TaskGroup();
      const results = Array.from({ length: 20 }, (_, i) => group.spawn((signal) => sleep(1, { signal }).then(() => i)));
      await group.wait();
      assert.deepEqual(await Promise.all(results), Array.from({ length: 20 }, (_, i) => i));
    });
    assert.deepEqual(warnings.map((w) => `${w.name}: ${w.message}`), []);
  });

  it("50 waiters abortable by one caller signal print no warning, and all of them are aborted", async () => {
    const warnings = await warningsOf(async () => {
      const controller = new AbortController();
      const semaphore = new Semaphore(0);
      const queue = new Queue<number>();
      const waits = [
        ...Array.from({ length: 25 }, () => semaphore.acquire({ signal: controller.signal })),
        ...Array.from({ length: 25 }, () => queue.get({ signal: controller.signal })),
      ];
      const reason = new Error("give up");
      controller.abort(reason);
      const outcomes = await Promise.allSettled(waits);
      assert.ok(outcomes.every((o) => o.status === "rejected" && o.reason === reason));
      // Nobody waits any more: a release and a put are not taken by a waiter that left.
      semaphore.release();
      assert.equal(semaphore.value, 1);
      queue.tryPut(1);
      assert.equal(queue.size, 1);
    });
    assert.deepEqual(warnings.map((w) => `${w.name}: ${w.message}`), []);
  });
});
