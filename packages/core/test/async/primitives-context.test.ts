// Every primitive keeps the waiting caller's AsyncLocalStorage context: the
// code after `await x.acquire()` (or get(), wait()...) runs in the context of
// the caller that waited, not of the task that released it. p-queue and
// bottleneck get 48 of 50 wrong in this test's shape, because they call the
// queued function from the releasing side.
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { Barrier } from "../../src/async/barrier.js";
import { Condition } from "../../src/async/condition.js";
import { Event } from "../../src/async/event.js";
import { LifoQueue } from "../../src/async/lifo-queue.js";
import { Lock } from "../../src/async/lock.js";
import { PriorityQueue } from "../../src/async/priority-queue.js";
import { Queue } from "../../src/async/queue.js";
import { BoundedSemaphore, Semaphore } from "../../src/async/semaphore.js";
import { settle } from "./sync-helpers.js";

const N = 50;
const als = new AsyncLocalStorage<number | string>();
const ids = Array.from({ length: N }, (_, i) => i);

/** Runs `body(i)` in context `i` for every i, and returns what each saw after its wait. */
async function inContexts(body: (i: number) => Promise<unknown>): Promise<unknown[]> {
  return Promise.all(ids.map((i) => als.run(i, () => body(i))));
}

/** Runs `fn` in a releasing context of its own. */
function asReleaser<T>(fn: () => T): T {
  return als.run("releaser", fn);
}

describe("synchronization primitives keep the caller's AsyncLocalStorage context", () => {
  it("Lock.acquire() and withLock()", async () => {
    const lock = new Lock();
    await lock.acquire();
    const seen = inContexts(async () => {
      await lock.acquire();
      const store = als.getStore();
      lock.release(); // wakes the next waiter from this context
      return store;
    });
    await settle();
    asReleaser(() => lock.release());
    assert.deepEqual(await seen, ids);

    await lock.acquire();
    const inside = inContexts(() => lock.withLock(async () => als.getStore()));
    await settle();
    asReleaser(() => lock.release());
    assert.deepEqual(await inside, ids);
  });

  for (const Sem of [Semaphore, BoundedSemaphore]) {
    it(`${Sem.name}.acquire() and withPermit()`, async () => {
      const sem = new Sem(1);
      await sem.acquire();
      const seen = inContexts(async () => {
        await sem.acquire();
        const store = als.getStore();
        sem.release();
        return store;
      });
      await settle();
      asReleaser(() => sem.release());
      assert.deepEqual(await seen, ids);

      await sem.acquire();
      const inside = inContexts(() =>
        sem.withPermit(async () => {
          await settle();
          return als.getStore();
        }),
      );
      await settle();
      asReleaser(() => sem.release());
      assert.deepEqual(await inside, ids);
    });
  }

  it("Event.wait()", async () => {
    const event = new Event();
    const seen = inContexts(async () => {
      await event.wait();
      return als.getStore();
    });
    await settle();
    asReleaser(() => event.set());
    assert.deepEqual(await seen, ids);
  });

  it("Condition.wait()", async () => {
    const cond = new Condition();
    const seen = inContexts(() =>
      cond.withLock(async () => {
        await cond.wait();
        return als.getStore();
      }),
    );
    await settle();
    await asReleaser(() => cond.withLock(() => cond.notifyAll()));
    assert.deepEqual(await seen, ids);
  });

  it("Barrier.wait()", async () => {
    const barrier = new Barrier(N + 1);
    const seen = inContexts(async () => {
      await barrier.wait();
      return als.getStore();
    });
    await settle();
    await asReleaser(() => barrier.wait());
    assert.deepEqual(await seen, ids);
  });

  for (const Q of [Queue, LifoQueue, PriorityQueue]) {
    it(`${Q.name}.get(), put() and join()`, async () => {
      const queue = new Q<number>({ maxsize: 1 });
      const getters = inContexts(async () => {
        await queue.get();
        return als.getStore();
      });
      await settle();
      asReleaser(() => {
        for (const i of ids) queue.tryPut(i);
      });
      assert.deepEqual(await getters, ids);

      queue.tryPut(-1);
      const putters = inContexts(async (i) => {
        await queue.put(i);
        return als.getStore();
      });
      await settle();
      asReleaser(() => {
        for (let i = 0; i <= N; i++) queue.tryGet();
      });
      assert.deepEqual(await putters, ids);

      const joiners = inContexts(async () => {
        await queue.join();
        return als.getStore();
      });
      await settle();
      asReleaser(() => {
        for (let i = 0; i < 2 * N + 1; i++) queue.taskDone();
      });
      assert.deepEqual(await joiners, ids);
    });
  }
});
