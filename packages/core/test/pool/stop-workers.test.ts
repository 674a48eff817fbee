/**
 * `terminateWorkers()` and `killWorkers()` (Python 3.14's
 * ProcessPoolExecutor.terminate_workers / kill_workers): every queued and
 * running task settles with CancelledError, a running task watching its
 * signal sees the abort before its worker is terminated, a spinning task is
 * killed, no worker is left and the pool refuses new work. Each task says it
 * started by writing a file; the tests wait for those files (bounded), never
 * for a duration.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { CancelledError, ExecutorClosedError } from "../../src/internal/errors.js";
import { ProcessPool } from "../../src/pool/process-pool.js";
import { ThreadPool } from "../../src/pool/thread-pool.js";
import type { WorkerPool } from "../../src/pool/worker-pool.js";
import { t } from "juggle-testing/conformance";

const dir = mkdtempSync(join(tmpdir(), "juggle-stop-workers-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (): string => join(dir, `f${files++}`);

/** Waits until `path` exists, checking every 5 ms, for at most 30 s. */
async function appears(path: string): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    if (existsSync(path)) return;
    await delay(5);
  }
  assert.fail(`${path} never appeared`);
}

/** Watches `promises` (from now on, so none is an unhandled rejection); resolves once all rejected with CancelledError. */
async function allCancelled(promises: Promise<unknown>[]): Promise<void> {
  const outcomes = await Promise.allSettled(promises);
  assert.ok(outcomes.length > 0);
  for (const outcome of outcomes) {
    assert.equal(outcome.status, "rejected");
    assert.ok((outcome as PromiseRejectedResult).reason instanceof CancelledError, String((outcome as PromiseRejectedResult).reason));
  }
}

/** Asserts no worker of `pool` is left: no thread in stats(), no process alive. */
function noWorkerLeft(pool: WorkerPool, pids: number[]): void {
  assert.deepEqual(pool.stats().workers, []);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: "ESRCH" }, `process ${pid} is still alive`);
}

const kinds = [
  { name: "ThreadPool", make: (abortGrace: number) => new ThreadPool({ workers: 2, abortGrace }) },
  { name: "ProcessPool", make: (abortGrace: number) => new ProcessPool({ workers: 2, abortGrace }) },
];

for (const { name, make } of kinds) {
  const pidsOf = (pool: WorkerPool): number[] =>
    name === "ProcessPool" ? pool.stats().workers.map((w) => Number(w.id.replace("process-", ""))) : [];

  describe(`${name}: terminateWorkers() and killWorkers()`, () => {
    // Tasks given no signal share their worker's, which aborts all the same.
    for (const given of [true, false]) {
      const what = given ? "given a signal" : "given no signal";
      it(`terminateWorkers(): running tasks ${what} see their signal abort before their worker stops; every task is cancelled`, { timeout: 120_000 }, async () => {
        // A grace far longer than the test: the workers end only because the tasks return on the abort.
        const pool = make(600_000);
        const options = given ? { signal: new AbortController().signal } : {};
        const started = [file(), file()];
        const aborted = [file(), file()];
        const running = [0, 1].map((i) => pool.run(t.markAbort, [started[i] as string, aborted[i] as string], options));
        await Promise.all(started.map(appears));
        const queued = [1, 2, 3].map((x) => pool.submit(t.square, x));
        assert.equal(pool.stats().queued, 3);
        const pids = pidsOf(pool);
        assert.equal(pool.stats().workers.length, 2);
        const cancelled = allCancelled([...running, ...queued]);
        await pool.terminateWorkers();
        await cancelled;
        for (const path of aborted) assert.match(readFileSync(path, "utf8"), /CancelledError.*workers were terminated/);
        noWorkerLeft(pool, pids);
        await assert.rejects(pool.submit(t.square, 1), ExecutorClosedError);
        assert.equal(pool.stats().running, 0);
        assert.equal(pool.stats().queued, 0);
      });
    }

    it("terminateWorkers(): a task ignoring its signal is terminated once the abort grace is over", async () => {
      const pool = make(1);
      const started = file();
      const spinning = pool.run(t.spinAfter, [started], { signal: new AbortController().signal });
      await appears(started);
      const queued = pool.submit(t.square, 2);
      const pids = pidsOf(pool);
      const cancelled = allCancelled([spinning, queued]);
      await pool.terminateWorkers();
      await cancelled;
      noWorkerLeft(pool, pids);
    });

    it("killWorkers(): spinning tasks are killed at once; every task is cancelled and no worker is left", async () => {
      // With this grace, only an immediate kill lets the test end.
      const pool = make(600_000);
      const started = [file(), file()];
      const spinning = started.map((path) => pool.run(t.spinAfter, [path], { signal: new AbortController().signal }));
      await Promise.all(started.map(appears));
      const queued = [1, 2, 3].map((x) => pool.submit(t.square, x));
      const pids = pidsOf(pool);
      assert.equal(pool.stats().workers.length, 2);
      const cancelled = allCancelled([...spinning, ...queued]);
      await pool.killWorkers();
      await cancelled;
      noWorkerLeft(pool, pids);
      await assert.rejects(pool.submit(t.square, 1), ExecutorClosedError);
    });

    it("on an idle pool both resolve once the workers exited, and a second call only waits", async () => {
      for (const stop of ["terminateWorkers", "killWorkers"] as const) {
        const pool = make(600_000);
        assert.deepEqual(await pool.map(t.square, [1, 2, 3, 4]), [1, 4, 9, 16]);
        const pids = pidsOf(pool);
        await Promise.all([pool[stop](), pool[stop](), pool.terminate()]);
        noWorkerLeft(pool, pids);
        await pool.join();
      }
    });
  });
}
