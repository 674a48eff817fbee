/**
 * Every error class juggle-core exports, found in the entry points' exports
 * (not a hand-kept list), thrown by a task in a worker thread and in a child
 * process and rebuilt on this side as itself: class, name, message, code, own
 * properties and the worker's stack. The Redis package runs the same check
 * for its classes and through Redis (packages/redis/test/error-classes.test.ts).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type AnyErrorClass, assertThrownThrough, exportedErrorClasses, sampleError, throwExported } from "juggle-testing/fixtures/errors";
import { BoundedSemaphore, JuggleError, Lock, ProcessPool, task, ThreadPool } from "../../src/index.js";
import * as shared from "../../src/shared-memory/index.js";

const entries = ["juggle-core", "juggle-core/shared-memory", "juggle-core/executor"];
const thrower = task<typeof throwExported>(import.meta.resolve("juggle-testing/fixtures/errors"), "throwExported");

const threads = new ThreadPool({ workers: 1 });
const processes = new ProcessPool({ workers: 1 });
after(async () => {
  await Promise.all([threads.terminate(), processes.terminate()]);
  assert.equal(threads.stats().workers.length, 0, "no thread left running");
  assert.equal(processes.stats().workers.length, 0, "no process left running");
});

const found: [string, string, AnyErrorClass][] = [];
for (const entry of entries) {
  for (const [name, errorClass] of exportedErrorClasses(await import(entry))) found.push([entry, name, errorClass]);
}

describe("error classes across boundaries", () => {
  it("finds the error classes in the entry points' exports", () => {
    const names = new Set(found.map(([, name]) => name));
    // A floor, not the list: the list is whatever the modules export.
    for (const name of ["JuggleError", "TimeoutError", "CancelledError", "WorkerCrashedError", "CalledProcessError"]) {
      assert.ok(names.has(name), `${name} is found among the exports`);
    }
  });

  for (const [entry, name, errorClass] of found) {
    it(`${name} from ${entry} comes back from a worker thread and a child process as itself`, async () => {
      for (const [where, pool] of [
        ["a worker thread", threads],
        ["a child process", processes],
      ] as const) {
        await assertThrownThrough(where, pool, thrower, entry, name, errorClass);
      }
    });
  }

  it("gives every exported juggle error class a code of the ERR_JUGGLE vocabulary", () => {
    for (const [, name, errorClass] of found) {
      const sample = sampleError(name, errorClass);
      if (sample instanceof JuggleError || name === "JuggleAggregateError") {
        assert.match(String((sample as { code?: unknown }).code), /^ERR_JUGGLE(_[A-Z]+)*$/, `${name}'s code`);
      }
    }
  });

  it("releasing an unheld lock has one code in the async layer and in shared memory", () => {
    const codeOf = (release: () => void): unknown => {
      try {
        release();
      } catch (error) {
        return error instanceof JuggleError ? error.code : error;
      }
      return "no error";
    };
    assert.equal(codeOf(() => new Lock().release()), "ERR_JUGGLE_NOT_LOCKED");
    assert.equal(codeOf(() => new shared.Lock().release()), "ERR_JUGGLE_NOT_LOCKED");
    assert.equal(codeOf(() => new BoundedSemaphore(1).release()), "ERR_JUGGLE_RELEASED_TOO_OFTEN");
    assert.equal(codeOf(() => new shared.BoundedSemaphore(1).release()), "ERR_JUGGLE_RELEASED_TOO_OFTEN");
  });
});
