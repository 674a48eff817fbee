import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deferred } from "../../src/internal/deferred.js";
import { Condition, RLock, Value, withLock } from "../../src/shared-memory/index.js";
import { run, start } from "./fixtures/run.js";

describe("Condition", () => {
  it("two workers ping-pong 2000 rounds through one condition without deadlock", async () => {
    const cond = new Condition();
    const counter = new Value("int32", 0);
    const even = start<number>("conditionPingPong", cond, counter, 0, 2000);
    const odd = start<number>("conditionPingPong", cond, counter, 1, 2000);
    await Promise.all([even.result, odd.result, even.exited, odd.exited]);
    assert.equal(counter.value, 4000);
  });

  it("a worker's waitForSync() sees a change the main thread notifies", async () => {
    const cond = new Condition();
    const counter = new Value("int32", 0);
    const w = start<number>("conditionWaitFor", cond, counter, 3, 10_000);
    for (let i = 0; i < 3; i++) {
      await withLock(cond, () => {
        counter.add(1);
        cond.notifyAll();
      });
    }
    assert.equal(await w.result, 3);
    await w.exited;
  });

  it("waitSync() in a worker times out with false", async () => {
    assert.equal(await run("conditionWaitOnce", new Condition(), 10), false);
  });

  it("notify(1) lets exactly one of two main-thread waiters through", async () => {
    const cond = new Condition();
    const woken: number[] = [];
    const first = deferred<void>();
    const stop = new AbortController();
    let registered = 0;
    let stopped = 0;
    const waiter = async (id: number) => {
      await cond.acquire();
      try {
        // wait() registers synchronously, before its first await. The
        // timeout is only a safety net: the waiter left over is stopped by
        // the signal once the other one is through.
        const waiting = cond.wait({ timeout: 60_000, signal: stop.signal });
        registered++;
        if (await waiting) {
          woken.push(id);
          first.resolve();
        }
      } catch (error) {
        if (error !== stop.signal.reason) throw error;
        stopped++;
      } finally {
        cond.release();
      }
    };
    const all = Promise.all([waiter(1), waiter(2)]);
    while (registered < 2) await new Promise((resolve) => setImmediate(resolve));
    await withLock(cond, () => cond.notify(1));
    await Promise.race([first.promise, all]);
    stop.abort(new Error("the other waiter gives up"));
    await all;
    assert.equal(woken.length, 1);
    assert.equal(stopped, 1);
  });

  it("an aborted wait() reacquires the lock and passes no notification to the void", async () => {
    const cond = new Condition();
    const controller = new AbortController();
    await cond.acquire();
    const aborted = cond.wait({ signal: controller.signal });
    // The second waiter registers after the first released the lock.
    const second = (async () => {
      await cond.acquire();
      try {
        return await cond.wait({ timeout: 10_000 });
      } finally {
        cond.release();
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error("stop"));
    await assert.rejects(aborted, { message: "stop" });
    assert.equal(cond.lock.locked, true, "the aborted waiter holds the lock again");
    cond.notify(1);
    cond.release();
    assert.equal(await second, true);
  });

  it("wait() without holding the lock is an error", async () => {
    await assert.rejects(new Condition().wait(), { code: "ERR_JUGGLE_NOT_LOCKED" });
  });

  it("works with an RLock held several levels deep", async () => {
    const cond = new Condition(new RLock());
    await cond.acquire();
    await cond.acquire();
    assert.equal(await cond.wait({ timeout: 5 }), false);
    assert.equal((cond.lock as RLock).count, 2);
    cond.release();
    cond.release();
    assert.equal(cond.lock.locked, false);
  });
});
