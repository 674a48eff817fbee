import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { map } from "juggle-core";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("map and the caller's async context (fn runs in it: map.test.ts)", () => {
  it("a run that ended (finished, or never started and returned) keeps nothing of that context alive", async () => {
    const als = new AsyncLocalStorage<object>();
    const refs: WeakRef<object>[] = [];
    const identity = async (x: number) => x;
    // The store is reached only through the context: a closure made in here would hold it too.
    const made = (request: string) =>
      als.run({ request }, () => {
        refs.push(new WeakRef(als.getStore() as object));
        return map([1, 2, 3], identity);
      });
    const finished = made("finished");
    const returned = made("returned");
    assert.deepEqual(await finished.toArray(), [1, 2, 3]);
    await returned.return?.();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.deepEqual(
      refs.map((r) => r.deref()),
      [undefined, undefined],
      "the stores are collected while the runs are still held",
    );
    assert.ok(finished !== returned); // both runs held to here
  });
});
