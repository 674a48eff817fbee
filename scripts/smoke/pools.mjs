// Run in a project where only juggle-core is installed: a .ts and a .js task
// in ThreadPool and ProcessPool. On a Node that cannot strip types, the .ts
// task must fail with the error naming the file and the Node it needs.
import assert from "node:assert/strict";
import { ProcessPool, ThreadPool, tasks } from "juggle-core";

const ts = tasks(new URL("./tasks.ts", import.meta.url));
const js = tasks(new URL("./tasks.js", import.meta.url));
const stripsTypes = Boolean(process.features.typescript);

for (const Pool of [ThreadPool, ProcessPool]) {
  const pool = new Pool({ workers: 1 });
  try {
    assert.equal(await pool.submit(js.triple, 3), 9);
    if (stripsTypes) {
      assert.equal(await pool.submit(ts.quadruple, 5), 20);
    } else {
      await assert.rejects(pool.submit(ts.quadruple, 5), /tasks\.ts as Node v[\d.]+ does not strip TypeScript types: run it on Node 22\.18 or later/);
    }
    assert.deepEqual(await pool.map(js.triple, [1, 2, 3]), [3, 6, 9]);
  } finally {
    await pool.terminate();
  }
  console.log(`${Pool.name}: .js task ok, .ts task ${stripsTypes ? "ok" : "refused with a clear error"}`);
}
