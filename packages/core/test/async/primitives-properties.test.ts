// Property-based tests of the semaphores and queues under random schedules of
// waits, releases and aborts (including aborts in the same tick as a release
// or a put, and aborts whose earlier listener releases or puts). Each step is
// one synchronous operation followed by settle(), which lets every queued
// microtask run: the interleavings are driven, not timed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LifoQueue } from "../../src/async/lifo-queue.js";
import { PriorityQueue } from "../../src/async/priority-queue.js";
import { Queue } from "../../src/async/queue.js";
import { BoundedSemaphore } from "../../src/async/semaphore.js";
import { settle } from "./sync-helpers.js";

type Status = "waiting" | "done" | "aborted";

interface Tracked {
  readonly id: number;
  status: Status;
  readonly controller: AbortController | undefined;
}

/** A controller whose first abort listener runs `hook.run` (set just before aborting). */
function hookedController(hook: { run: (() => void) | undefined }): AbortController {
  const controller = new AbortController();
  controller.signal.addEventListener(
    "abort",
    () => {
      const run = hook.run;
      hook.run = undefined;
      run?.();
    },
    { once: true },
  );
  return controller;
}

const pick = <T>(list: T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);

describe("Semaphore properties", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("acquire" as const), abortable: fc.boolean() }),
    fc.record({ kind: fc.constant("tryAcquire" as const) }),
    fc.record({ kind: fc.constant("release" as const), n: fc.nat() }),
    fc.record({ kind: fc.constant("abort" as const), n: fc.nat() }),
    fc.record({ kind: fc.constant("releaseThenAbort" as const), n: fc.nat(), m: fc.nat() }),
    fc.record({ kind: fc.constant("abortThenRelease" as const), n: fc.nat(), m: fc.nat() }),
    fc.record({ kind: fc.constant("abortWhileReleasing" as const), n: fc.nat(), m: fc.nat() }),
  );

  it("never grants more permits than the bound, serves FIFO and loses no permit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 40 }), async (bound, ops) => {
        const sem = new BoundedSemaphore(bound);
        const tasks: Tracked[] = [];
        const holders: Tracked[] = [];
        const hook: { run: (() => void) | undefined } = { run: undefined };
        const of = (status: Status, abortable = false) =>
          tasks.filter((t) => t.status === status && (!abortable || t.controller !== undefined));
        const releaseOne = (n: number): void => {
          const held = holders.filter((t) => t.status === "done");
          const t = pick(held, n);
          if (t === undefined) return;
          holders.splice(holders.indexOf(t), 1);
          sem.release();
        };

        for (const o of ops) {
          // A waiter whose signal aborted before anything was handed to it
          // must end aborted (it must not take what it gave up).
          let mustAbort: Tracked | undefined;
          switch (o.kind) {
            case "acquire": {
              const controller = o.abortable ? hookedController(hook) : undefined;
              const t: Tracked = { id: tasks.length, status: "waiting", controller };
              tasks.push(t);
              sem.acquire({ signal: controller?.signal }).then(
                () => {
                  t.status = "done";
                  holders.push(t);
                },
                () => {
                  t.status = "aborted";
                },
              );
              break;
            }
            case "tryAcquire": {
              if (sem.tryAcquire()) {
                const t: Tracked = { id: tasks.length, status: "done", controller: undefined };
                tasks.push(t);
                holders.push(t);
              }
              break;
            }
            case "release":
              releaseOne(o.n);
              break;
            case "abort":
              mustAbort = pick(of("waiting", true), o.n);
              mustAbort?.controller?.abort("aborted");
              break;
            case "releaseThenAbort":
              releaseOne(o.m);
              pick(of("waiting", true), o.n)?.controller?.abort("aborted");
              break;
            case "abortThenRelease":
              mustAbort = pick(of("waiting", true), o.n);
              mustAbort?.controller?.abort("aborted");
              releaseOne(o.m);
              break;
            case "abortWhileReleasing": {
              const target = pick(of("waiting", true), o.n);
              if (target === undefined) break;
              hook.run = () => releaseOne(o.m);
              target.controller?.abort("aborted");
              hook.run = undefined;
              mustAbort = target;
              break;
            }
          }
          await settle();
          if (mustAbort !== undefined) assert.equal(mustAbort.status, "aborted");
          const held = tasks.filter((t) => t.status === "done" && holders.includes(t)).length;
          assert.ok(held <= bound, `held ${held} > bound ${bound}`);
          assert.equal(held + sem.value, bound, "a permit was lost or duplicated");
          assert.equal(sem.waiting, of("waiting").length);
          if (sem.waiting > 0) assert.equal(sem.value, 0);
          // FIFO: no task that came after a waiting one got a permit.
          const firstWaiting = of("waiting")[0];
          if (firstWaiting !== undefined) {
            for (const t of tasks) {
              if (t.id > firstWaiting.id) assert.notEqual(t.status, "done", `task ${t.id} overtook ${firstWaiting.id}`);
            }
          }
        }
        // Wind down: abort the abortable waiters, release every holder until
        // nothing waits; every permit comes back.
        for (const t of of("waiting", true)) t.controller?.abort("end");
        await settle();
        while (holders.length > 0) {
          releaseOne(0);
          await settle();
        }
        assert.equal(of("waiting").length, 0);
        assert.equal(sem.waiting, 0);
        assert.equal(sem.value, bound);
      }),
      { numRuns: 150 },
    );
  });
});

describe("Queue properties", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("put" as const), abortable: fc.boolean() }),
    fc.record({ kind: fc.constant("get" as const), abortable: fc.boolean() }),
    fc.record({ kind: fc.constant("tryPut" as const) }),
    fc.record({ kind: fc.constant("tryGet" as const) }),
    fc.record({ kind: fc.constant("abortPutter" as const), n: fc.nat() }),
    fc.record({ kind: fc.constant("abortGetter" as const), n: fc.nat() }),
    fc.record({ kind: fc.constant("tryPutThenAbortGetter" as const), n: fc.nat() }),
    fc.record({ kind: fc.constant("tryGetThenAbortPutter" as const), n: fc.nat() }),
    fc.record({ kind: fc.constant("abortGetterWhilePutting" as const), n: fc.nat() }),
    fc.record({ kind: fc.constant("abortPutterWhileGetting" as const), n: fc.nat() }),
  );

  for (const kind of ["Queue", "LifoQueue", "PriorityQueue"] as const) {
    it(`${kind}: every item put is got exactly once${kind === "Queue" ? ", in FIFO order," : ""} with random aborts`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.array(op, { maxLength: 40 }), async (maxsize, ops) => {
          const queue =
            kind === "Queue"
              ? new Queue<number>({ maxsize })
              : kind === "LifoQueue"
                ? new LifoQueue<number>({ maxsize })
                : new PriorityQueue<number>({ maxsize });
          let nextItem = 0;
          const entered: number[] = []; // items whose put succeeded
          const got: number[] = []; // items handed out, in the order handed
          const putters: Tracked[] = [];
          const getters: Tracked[] = [];
          const hook: { run: (() => void) | undefined } = { run: undefined };
          const waiting = (list: Tracked[], abortable = false) =>
            list.filter((t) => t.status === "waiting" && (!abortable || t.controller !== undefined));
          const tryPut = (): void => {
            const item = nextItem++;
            if (queue.tryPut(item).ok) entered.push(item);
          };
          const tryGet = (): void => {
            const r = queue.tryGet();
            if (r.ok) got.push(r.value);
          };

          for (const o of ops) {
            let mustAbort: Tracked | undefined;
            switch (o.kind) {
              case "put": {
                const controller = o.abortable ? hookedController(hook) : undefined;
                const t: Tracked = { id: putters.length, status: "waiting", controller };
                putters.push(t);
                const item = nextItem++;
                queue.put(item, { signal: controller?.signal }).then(
                  () => {
                    t.status = "done";
                    entered.push(item);
                  },
                  () => {
                    t.status = "aborted";
                  },
                );
                break;
              }
              case "get": {
                const controller = o.abortable ? hookedController(hook) : undefined;
                const t: Tracked = { id: getters.length, status: "waiting", controller };
                getters.push(t);
                queue.get({ signal: controller?.signal }).then(
                  (item) => {
                    t.status = "done";
                    got.push(item);
                  },
                  () => {
                    t.status = "aborted";
                  },
                );
                break;
              }
              case "tryPut":
                tryPut();
                break;
              case "tryGet":
                tryGet();
                break;
              case "abortPutter":
                mustAbort = pick(waiting(putters, true), o.n);
                mustAbort?.controller?.abort("aborted");
                break;
              case "abortGetter":
                mustAbort = pick(waiting(getters, true), o.n);
                mustAbort?.controller?.abort("aborted");
                break;
              case "tryPutThenAbortGetter":
                tryPut();
                pick(waiting(getters, true), o.n)?.controller?.abort("aborted");
                break;
              case "tryGetThenAbortPutter":
                tryGet();
                pick(waiting(putters, true), o.n)?.controller?.abort("aborted");
                break;
              case "abortGetterWhilePutting": {
                const target = pick(waiting(getters, true), o.n);
                if (target === undefined) break;
                hook.run = tryPut;
                target.controller?.abort("aborted");
                hook.run = undefined;
                mustAbort = target;
                break;
              }
              case "abortPutterWhileGetting": {
                const target = pick(waiting(putters, true), o.n);
                if (target === undefined) break;
                hook.run = tryGet;
                target.controller?.abort("aborted");
                hook.run = undefined;
                mustAbort = target;
                break;
              }
            }
            await settle();
            if (mustAbort !== undefined) assert.equal(mustAbort.status, "aborted");
            if (maxsize > 0) assert.ok(queue.size <= maxsize);
            if (waiting(getters).length > 0) assert.equal(queue.size, 0);
            if (waiting(putters).length > 0) assert.equal(queue.full, true);
            assert.equal(queue.size + got.length, entered.length, "an item was lost or duplicated");
            // Waiters are served first come, first served.
            for (const list of [getters, putters]) {
              const first = waiting(list)[0];
              if (first !== undefined) assert.ok(list.every((t) => t.id < first.id || t.status !== "done"));
            }
          }
          // Wind down: shut down (waiting putters and, on an empty queue,
          // getters are refused), drain, and check every item once.
          queue.shutdown();
          await settle();
          assert.equal(waiting(putters).length, 0);
          for (let r = queue.tryGet(); r.ok; r = queue.tryGet()) got.push(r.value);
          await settle();
          assert.equal(waiting(getters).length, 0);
          assert.equal(queue.unfinishedTasks, entered.length);
          assert.deepEqual(
            [...got].sort((a, b) => a - b),
            [...entered].sort((a, b) => a - b),
          );
          if (kind === "Queue") {
            // Puts enter in call order (a put only skips ahead when no putter
            // waits), so FIFO means the items come out in increasing order.
            assert.deepEqual(got, [...got].sort((a, b) => a - b));
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});
