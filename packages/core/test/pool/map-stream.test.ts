import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InlineExecutor } from "../../src/pool/inline-executor.js";
import { t } from "juggle-testing/conformance";

describe("map streams", () => {
  it("imap() over an async iterable pulls at most a window of chunks ahead of the consumer", async () => {
    await using ex = new InlineExecutor();
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const it = ex.imap(t.square, source(), { chunksize: 1 });
    assert.deepEqual(await it.next(), { value: 0, done: false });
    assert.ok(pulled <= 5, `pulled ${pulled} items for one result`);
    await it.return?.();
  });

  it("breaking out of imap() closes the source iterator", async () => {
    await using ex = new InlineExecutor();
    let closed = false;
    function* source() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const v of ex.imap(t.square, source())) if (v > 10) break;
    assert.equal(closed, true);
  });

  it("an aborted map() rejects with the signal's reason and stops pulling", async () => {
    await using ex = new InlineExecutor();
    const controller = new AbortController();
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        if (i === 3) controller.abort(new Error("enough"));
        yield i;
      }
    }
    await assert.rejects(ex.map(t.square, source(), { signal: controller.signal }), { message: "enough" });
    const after = pulled;
    assert.ok(after < 1000);
  });

  it("an error thrown by the source fails the map", async () => {
    await using ex = new InlineExecutor();
    function* source() {
      yield 1;
      throw new Error("source broke");
    }
    await assert.rejects(ex.map(t.square, source()), { message: "source broke" });
    await assert.rejects(
      (async () => {
        for await (const _ of ex.imapUnordered(t.square, source())) {
          // drain
        }
      })(),
      { message: "source broke" },
    );
  });

  it("starmap() refuses items that are not argument lists, naming the index", async () => {
    await using ex = new InlineExecutor();
    await assert.rejects(ex.starmap(t.add, [[1, 2], 3 as never]), {
      name: "TypeError",
      message: /items\[1\] must be an array of arguments: received 3/,
    });
  });
});

describe("map streams and close()", () => {
  it("an imap() still reading its source after the executor shut down fails instead of hanging", async () => {
    const ex = new InlineExecutor();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* source() {
      yield 1;
      await gate;
      yield 2;
    }
    const it = ex.imap(t.square, source(), { chunksize: 1 });
    assert.deepEqual(await it.next(), { value: 1, done: false });
    ex.close();
    await ex.join();
    release();
    await assert.rejects(it.next(), { name: "ExecutorClosedError" });
  });
});
