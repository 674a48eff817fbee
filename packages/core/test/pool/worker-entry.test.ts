import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { tasksModule } from "juggle-testing/conformance";

const entry = new URL("../../src/pool/worker-entry.js", import.meta.url);

describe("pool worker entry", () => {
  it("fails loudly on a message of unknown type", async () => {
    const worker = new Worker(entry);
    // Both listeners from the start: "exit" may follow "error" before an await would attach it
    // (and a plain listener, as events.once() for "exit" would reject on the "error").
    const failed = once(worker, "error");
    const exited = new Promise<[number]>((resolve) => worker.once("exit", (code: number) => resolve([code])));
    worker.postMessage({ t: "init", initializer: null, initargs: [], slot: null });
    worker.postMessage({ t: "bogus" });
    const [error] = (await failed) as [Error];
    assert.match(error.message, /Cannot handle message in pool worker as its type is unknown: received "bogus"/);
    const [code] = (await exited) as [number];
    assert.equal(code, 1);
  });

  it("answers a run message with the results in order", async () => {
    const worker = new Worker(entry);
    try {
      const module = tasksModule.href;
      worker.postMessage({ t: "init", initializer: null, initargs: [], slot: null });
      // FLAG_ONE (8): the payload is the single argument.
      worker.postMessage({ t: "run", defs: [0, module, "square"], jobs: [1, 0, 8, 3, 2, 0, 0, [4]] });
      const results: unknown[] = [];
      while (results.length < 6) {
        const [message] = (await once(worker, "message")) as [{ t: string; r: unknown[] }];
        assert.equal(message.t, "done");
        results.push(...message.r);
      }
      assert.deepEqual(results, [1, 0, 9, 2, 0, 16]);
    } finally {
      await worker.terminate();
    }
  });
});
