import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type TypeScriptSupport, typeStrippingProblem } from "../../src/executor/type-stripping.js";
import { tasks } from "../../src/executor/task.js";
import { ProcessPool } from "../../src/pool/process-pool.js";
import { ThreadPool } from "../../src/pool/thread-pool.js";
import { t as js } from "juggle-testing/conformance";

// The fixture is loaded from its source (dist/test/pool → test/pool): tsc
// never compiles it, so the pools import a real .ts file.
const moduleUrl = new URL("../../../test/pool/fixtures-ts/tasks.ts", import.meta.url);
const t = tasks<{ quadruple(x: number): number; unbox(box: { value: number }): Promise<number> }>(moduleUrl);
const support = (process.features as { typescript?: TypeScriptSupport }).typescript;
const stripsTypes = typeStrippingProblem(moduleUrl.href, support, process.version) === undefined;

/** On a Node that strips types the task runs; on one that cannot, it fails with the clear error. */
async function checkPool(pool: ThreadPool | ProcessPool): Promise<void> {
  if (stripsTypes) {
    assert.equal(await pool.submit(t.quadruple, 5), 20, "the task and its sibling .ts module ran");
    assert.equal(await pool.submit(t.unbox, { value: 7 }), 7);
  } else {
    await assert.rejects(pool.submit(t.quadruple, 5), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.ok(e.message.includes(moduleUrl.href), e.message);
      assert.match(e.message, new RegExp(`Node ${process.version.replaceAll(".", "\\.")} does not strip TypeScript types`));
      assert.match(e.message, /Node 22\.18 or later/);
      return true;
    });
    // The pool survives the failed load and still runs JavaScript tasks.
    assert.equal(await pool.submit(js.square, 3), 9);
  }
}

describe("TypeScript task modules", () => {
  it(`ThreadPool ${stripsTypes ? "runs a .ts task that imports a sibling .ts module" : "fails a .ts task with an error naming the file and the Node needed"}`, async () => {
    await using pool = new ThreadPool({ workers: 1 });
    await checkPool(pool);
  });

  it(`ProcessPool ${stripsTypes ? "runs a .ts task that imports a sibling .ts module" : "fails a .ts task with an error naming the file and the Node needed"}`, async () => {
    await using pool = new ProcessPool({ workers: 1 });
    await checkPool(pool);
  });

  it("typeStrippingProblem() names the file and the Node version on a Node that cannot strip types", () => {
    const problem = typeStrippingProblem("file:///app/tasks.ts", false, "v22.17.1");
    assert.equal(
      problem,
      "Cannot load task module file:///app/tasks.ts as Node v22.17.1 does not strip TypeScript types: " +
        "run it on Node 22.18 or later (23.6 or later on 23.x), or compile the module to JavaScript",
    );
    assert.match(typeStrippingProblem("file:///app/tasks.mts", undefined, "v22.4.0") ?? "", /Node v22\.4\.0 does not strip/);
    assert.match(typeStrippingProblem("file:///app/tasks.cts", false, "v22.17.1") ?? "", /tasks\.cts/);
  });

  it("typeStrippingProblem() accepts .ts on a Node that strips types and leaves other modules alone", () => {
    assert.equal(typeStrippingProblem("file:///app/tasks.ts", "strip", "v22.18.0"), undefined);
    assert.equal(typeStrippingProblem("file:///app/tasks.ts", "transform", "v26.12.1"), undefined);
    assert.equal(typeStrippingProblem("file:///app/tasks.js", false, "v22.17.1"), undefined);
    assert.equal(typeStrippingProblem("node:os", false, "v22.17.1"), undefined);
    assert.equal(typeStrippingProblem("file:///app/tasks.d.ts.js", false, "v22.17.1"), undefined);
  });

  it("typeStrippingProblem() refuses a .ts module under node_modules, which Node never strips", () => {
    assert.match(
      typeStrippingProblem("file:///app/node_modules/lib/tasks.ts", "strip", "v26.12.1") ?? "",
      /^Cannot load task module file:\/\/\/app\/node_modules\/lib\/tasks\.ts as Node does not strip the types of files under node_modules/,
    );
  });
});
