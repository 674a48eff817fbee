/**
 * No task waits while a worker is idle: jobs pipelined to a thread worker
 * busy with a long task are taken back by an idle worker. Gated with shared
 * memory (an Event the test sets), never ordered by sleeps; the assertions
 * are about order and which worker ran what, never durations.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tasks } from "../../src/executor/task.js";
import { ThreadPool } from "../../src/pool/thread-pool.js";
import { Event } from "../../src/shared-memory/event.js";
import { Value } from "../../src/shared-memory/value.js";
import { TraceRecorder } from "../../src/trace/recorder.js";
import { t, waitUntil } from "juggle-testing/conformance";

const g = tasks<typeof import("./fixtures/pool-tasks.js")>(new URL("./fixtures/pool-tasks.js", import.meta.url));

/** Resolves `promise`, or rejects after `ms` saying what it waited for (a bound, not an ordering). */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting until ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Makes the pool's measured time per task tiny, so that it pipelines many jobs per worker. */
async function warmUp(pool: ThreadPool): Promise<void> {
  await pool.map(t.square, Array.from({ length: 4000 }, (_, i) => i), { chunksize: 1 });
}

describe("ThreadPool work stealing", () => {
  it("short tasks submitted after a long one all finish on the other worker before it (traced there)", async () => {
    const trace = new TraceRecorder();
    await using pool = new ThreadPool({ workers: 2, trace });
    await warmUp(pool);
    const gate = new Event();
    const longRan = new Value("int32", 0);
    let longDone = false;
    try {
      const long = pool.submit(g.holdUntil, gate as never, longRan as never).then((w) => {
        longDone = true;
        return w;
      });
      const shorts = Array.from({ length: 5 }, () => pool.submit(g.where));
      const ran = await bounded(Promise.all(shorts), 20_000, "the 5 short tasks finish while the long one is held");
      assert.equal(longDone, false);
      // The long task may still be loading the shared-memory module: it has claimed its job, so
      // nothing else runs on its worker meanwhile.
      await waitUntil(() => longRan.load() !== 0, "the long task says which worker runs it");
      const busy = longRan.load();
      for (const w of ran) assert.notEqual(w, busy, "no short task ran on the worker held by the long one");
      gate.set();
      assert.equal(await long, busy);
      // Each short task is traced once, on the worker that ran it (job ids follow submission order).
      const records = trace.events.filter((r) => r.name === "where").sort((a, b) => a.id - b.id);
      assert.deepEqual(
        records.map((r) => r.worker),
        ran.map((w) => `thread-${w}`),
      );
      assert.equal(pool.stats().failed, 0);
    } finally {
      gate.set();
    }
  });

  it("imapUnordered yields the quick items before a held one submitted first (chunksize 1)", async () => {
    await using pool = new ThreadPool({ workers: 2 });
    await warmUp(pool);
    const gate = new Event();
    try {
      const items = [{ tag: "held", gate }, { tag: "quick-1" }, { tag: "quick-2" }];
      const it = pool.imapUnordered(g.tagged, items as never, { chunksize: 1 });
      const first = await bounded(it.next(), 20_000, "a first result while one item is held");
      const second = await bounded(it.next(), 20_000, "a second result while one item is held");
      assert.deepEqual([first.value[0], second.value[0]].sort(), ["quick-1", "quick-2"]);
      gate.set();
      const third = await it.next();
      assert.equal(third.value[0], "held");
      assert.equal((await it.next()).done, true);
    } finally {
      gate.set();
    }
  });
});
