import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { map } from "../../src/async/map.js";
import { Queue } from "../../src/async/queue.js";
import { deferred } from "../../src/internal/deferred.js";
import { bounded } from "./sync-helpers.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));


/** An async generator whose second item comes only when `gate` opens (never, in these tests, before the assertions). */
function slowSource() {
  const gate = deferred<void>();
  const log = { pulled: 0, closed: false };
  async function* source() {
    try {
      log.pulled++;
      yield 0;
      await gate.promise;
      log.pulled++;
      yield 1;
    } finally {
      log.closed = true;
    }
  }
  return { source: source(), gate, log };
}

describe("map stops promptly while its source waits", () => {
  it("an abort rejects toArray() at once while an async generator waits for its next item", async () => {
    const { source, gate, log } = slowSource();
    const controller = new AbortController();
    const reason = new Error("stop now");
    const run = map(source, async (n) => n, { signal: controller.signal }).toArray();
    while (log.pulled < 1) await tick();
    controller.abort(reason);
    try {
      await assert.rejects(bounded(run, "toArray() after the abort"), (e) => e === reason);
    } finally {
      gate.resolve();
    }
    // The generator was asked to end: once its pending item comes, it closes.
    await bounded(
      (async () => {
        while (!log.closed) await tick();
      })(),
      "closing the generator",
    );
  });

  it("break out of for await ends the run at once while the source waits", async () => {
    const { source, gate } = slowSource();
    const seen: number[] = [];
    try {
      await bounded(
        (async () => {
          for await (const value of map(source, async (n) => n, { concurrency: 2 })) {
            seen.push(value);
            break;
          }
        })(),
        "leaving the loop",
      );
    } finally {
      gate.resolve();
    }
    assert.deepEqual(seen, [0]);
  });

  it("an abort settles a map over an idle Queue, and the queue keeps its next item", async () => {
    const queue = new Queue<number>();
    const controller = new AbortController();
    const reason = new Error("stop");
    const run = map(queue, async (n) => n, { signal: controller.signal }).toArray();
    await tick();
    controller.abort(reason);
    await assert.rejects(bounded(run, "toArray() over an idle queue"), (e) => e === reason);
    queue.tryPut(7);
    await tick();
    assert.equal(queue.size, 1, "the aborted map took the item");
  });

  it("after break, the item a producer puts next stays in the queue", async () => {
    const queue = new Queue<number>();
    queue.tryPut(1);
    const seen: number[] = [];
    await bounded(
      (async () => {
        for await (const value of map(queue, async (n) => n * 10, { concurrency: 4 })) {
          seen.push(value);
          break;
        }
      })(),
      "leaving the loop",
    );
    assert.deepEqual(seen, [10]);
    queue.tryPut(2);
    await tick();
    assert.equal(queue.size, 1, "the item put after the break was taken from the queue");
    assert.deepEqual(queue.tryGet(), { ok: true, value: 2 });
  });

  it("a source whose [Symbol.asyncIterator]() throws rejects toArray() and leaves the run ended", async () => {
    const broken = new Error("no iterator");
    const source = {
      [Symbol.asyncIterator](): AsyncIterator<number> {
        throw broken;
      },
    };
    let collected: Promise<number[]> | undefined;
    assert.doesNotThrow(() => {
      collected = map(source, async (n) => n).toArray();
    });
    await assert.rejects(collected as Promise<number[]>, (e) => e === broken);
    const again = map(source, async (n) => n);
    await assert.rejects(again.next(), (e) => e === broken);
    assert.deepEqual(await bounded(again.next(), "next() after the failure"), { value: undefined, done: true });
  });
});
