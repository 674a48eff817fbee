import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Queue } from "../../src/async/queue.js";
import { deferred } from "../../src/internal/deferred.js";
import { bounded } from "../async/sync-helpers.js";
import { InlineExecutor } from "../../src/pool/inline-executor.js";
import { t } from "juggle-testing/conformance";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));


describe("map streams stop promptly while their source waits", () => {
  it("break out of imap() over a generator waiting for its next item returns at once, and the generator is closed", async () => {
    await using ex = new InlineExecutor();
    const gate = deferred<void>();
    let closed = false;
    async function* source() {
      try {
        yield 1;
        await gate.promise;
        yield 2;
      } finally {
        closed = true;
      }
    }
    const seen: number[] = [];
    try {
      await bounded(
        (async () => {
          for await (const v of ex.imap(t.square, source(), { chunksize: 1 })) {
            seen.push(v);
            break;
          }
        })(),
        "leaving the loop",
      );
    } finally {
      gate.resolve();
    }
    assert.deepEqual(seen, [1]);
    await bounded(
      (async () => {
        while (!closed) await tick();
      })(),
      "closing the generator",
    );
  });

  it("after break out of imap() over a Queue, the item a producer puts next stays in the queue", async () => {
    await using ex = new InlineExecutor();
    const queue = new Queue<number>();
    queue.tryPut(3);
    for await (const v of ex.imapUnordered(t.square, queue, { chunksize: 1 })) {
      assert.equal(v, 9);
      break;
    }
    queue.tryPut(4);
    await tick();
    assert.deepEqual(queue.tryGet(), { ok: true, value: 4 });
  });

  it("an abort rejects map() over an idle Queue, which keeps its next item", async () => {
    await using ex = new InlineExecutor();
    const queue = new Queue<number>();
    const controller = new AbortController();
    const reason = new Error("stop");
    const run = ex.map(t.square, queue, { signal: controller.signal });
    await tick();
    controller.abort(reason);
    await assert.rejects(bounded(run, "map() after the abort"), (e) => e === reason);
    queue.tryPut(5);
    await tick();
    assert.equal(queue.size, 1, "the aborted map took the item");
  });
});
