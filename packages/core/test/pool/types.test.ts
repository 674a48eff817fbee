// Type tests: compiling this file is the test (tsc fails when an expected
// type error below does not happen). At run time the calls just run.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InlineExecutor } from "../../src/pool/inline-executor.js";
import { t } from "juggle-testing/conformance";

describe("executor types", () => {
  it("infer arguments and results from the task module", async () => {
    await using ex = new InlineExecutor();
    const nine: number = await ex.submit(t.square, 3);
    const squares: number[] = await ex.map(t.square, [1, 2]);
    const sums: number[] = await ex.starmap(t.add, [[1, 2]]);
    for await (const v of ex.imap(t.square, [1])) {
      const n: number = v;
      assert.equal(n, 1);
    }
    assert.deepEqual([nine, squares, sums], [9, [1, 4], [3]]);
    // @ts-expect-error: square takes a number
    assert.equal(await ex.submit(t.square, "3"), 9);
    // @ts-expect-error: add takes two arguments
    void ex.submit(t.add, 1).catch(() => {});
    // @ts-expect-error: the result of square is a number
    const wrong: string = await ex.submit(t.square, 2);
    assert.equal(wrong, 4);
    // @ts-expect-error: starmap items are argument lists
    await assert.rejects(ex.starmap(t.add, [1, 2]));
  });
});
