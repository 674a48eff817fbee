import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import { sleep } from "../../src/async/sleep.js";
import { TaskGroup } from "../../src/async/task-group.js";
import { deferred } from "../../src/internal/deferred.js";
import { CancelledError, JuggleAggregateError, JuggleError } from "../../src/internal/errors.js";

describe("TaskGroup", () => {
  it("runs tasks concurrently and waits for all of them", async () => {
    const group = new TaskGroup();
    const gate = deferred<void>();
    const order: string[] = [];
    const a = group.spawn(async () => {
      await gate.promise;
      order.push("a");
      return 1;
    });
    const b = group.spawn(async () => {
      order.push("b");
      gate.resolve();
      return 2;
    });
    assert.equal(group.size, 2);
    await group.wait();
    assert.deepEqual(order, ["b", "a"]);
    assert.equal(await a, 1);
    assert.equal(await b, 2);
    assert.equal(group.size, 0);
  });

  it("the first failure aborts the siblings, and wait() reports every real failure together", async () => {
    const group = new TaskGroup();
    const first = new Error("first");
    const second = new Error("second");
    const release = deferred<void>();
    const siblingSaw = deferred<unknown>();
    void group.spawn(async (signal) => {
      await sleep(600_000, { signal }).catch((error) => {
        siblingSaw.resolve(error);
        throw error; // a cancellation: not reported as a failure
      });
    });
    void group.spawn(async (signal) => {
      // fails too, but only after the abort: a real failure, reported
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      await release.promise;
      throw second;
    });
    const failing = group.spawn(async () => {
      throw first;
    });
    await assert.rejects(failing, (error) => error === first);
    const reason = await siblingSaw.promise;
    assert.ok(reason instanceof CancelledError);
    assert.equal(reason.cause, first);
    release.resolve();
    await assert.rejects(group.wait(), (error) => {
      assert.ok(error instanceof JuggleAggregateError);
      assert.deepEqual(error.errors, [first, second]);
      assert.equal(error.code, "ERR_JUGGLE_AGGREGATE");
      return true;
    });
  });

  it("works with await using, and throws the aggregate at the end of the block", async () => {
    const boom = new Error("boom");
    let ran = false;
    await assert.rejects(async () => {
      await using group = new TaskGroup();
      void group.spawn(async () => {
        throw boom;
      });
      void group.spawn(async (signal) => {
        await sleep(600_000, { signal });
        ran = true;
      });
    }, (error) => error instanceof JuggleAggregateError && error.errors.length === 1 && error.errors[0] === boom);
    assert.equal(ran, false);
  });

  it("a task may spawn more tasks while the group waits", async () => {
    const group = new TaskGroup();
    const seen: number[] = [];
    void group.spawn(async () => {
      await Promise.resolve();
      void group.spawn(async () => {
        await Promise.resolve();
        seen.push(2);
      });
      seen.push(1);
    });
    await group.wait();
    assert.deepEqual(seen.sort(), [1, 2]);
  });

  it("refuses spawn after the group finished or while it shuts down", async () => {
    const group = new TaskGroup();
    await group.wait();
    assert.throws(() => group.spawn(async () => 1), (error) => error instanceof JuggleError && error.code === "ERR_JUGGLE_TASK_GROUP_CLOSED");

    const failing = new TaskGroup();
    await assert.rejects(
      failing.spawn(async () => {
        throw new Error("x");
      }),
    );
    assert.throws(() => failing.spawn(async () => 1), /shutting down/);
    await assert.rejects(failing.wait(), JuggleAggregateError);
  });

  it("an outer signal cancels every task, and wait() rejects with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("outer");
    const group = new TaskGroup({ signal: controller.signal });
    const task = group.spawn((signal) => sleep(600_000, { signal }));
    controller.abort(reason);
    await assert.rejects(task, (error) => error === reason);
    await assert.rejects(group.wait(), (error) => error === reason);
  });

  it("cancel() stops every task and the group ends without error", async () => {
    const group = new TaskGroup();
    const reasons: unknown[] = [];
    const sleeps = [1, 2, 3].map(() =>
      group.spawn(async (signal) => {
        try {
          await sleep(60_000, { signal });
        } catch (error) {
          reasons.push(error);
          throw error;
        }
      }),
    );
    const finished = group.spawn(() => "done early");
    assert.equal(await finished, "done early");
    group.cancel();
    group.cancel(); // idempotent
    await group.wait();
    assert.equal(reasons.length, 3);
    for (const reason of reasons) assert.ok(reason instanceof CancelledError && reason.code === "ERR_JUGGLE_CANCELLED");
    for (const task of sleeps) await assert.rejects(task, CancelledError);
    assert.throws(() => group.spawn(() => 1), { code: "ERR_JUGGLE_TASK_GROUP_CLOSED" });
  });

  it("cancel() still reports a task's own failure, and does not hide an earlier one", async () => {
    const group = new TaskGroup();
    void group.spawn(async (signal) => {
      await sleep(60_000, { signal }).catch(() => {});
      throw new Error("cleanup failed");
    });
    group.cancel();
    await assert.rejects(group.wait(), (error: unknown) => {
      assert.ok(error instanceof JuggleAggregateError);
      assert.deepEqual(
        error.errors.map((e: Error) => e.message),
        ["cleanup failed"],
      );
      return true;
    });
    const outer = new AbortController();
    const second = new TaskGroup({ signal: outer.signal });
    void second.spawn((signal) => sleep(60_000, { signal }));
    outer.abort(new Error("outer"));
    second.cancel(); // the outer abort came first and decides
    await assert.rejects(second.wait(), { message: "outer" });
  });

  it("an AbortError thrown after the group's abort (as fetch throws) is not a failure", async () => {
    const group = new TaskGroup();
    const boom = new Error("boom");
    void group.spawn(
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(new DOMException("This operation was aborted", "AbortError"))),
        ),
    );
    void group.spawn(async () => {
      throw boom;
    });
    await assert.rejects(group.wait(), (error) => error instanceof JuggleAggregateError && error.errors.length === 1 && error.errors[0] === boom);
  });

  it("a synchronous throw in a task is a failure like any other", async () => {
    const group = new TaskGroup();
    const boom = new Error("sync");
    const task = group.spawn(() => {
      throw boom;
    });
    await assert.rejects(task, (error) => error === boom);
    await assert.rejects(group.wait(), (error) => error instanceof JuggleAggregateError && error.errors[0] === boom);
  });

  it("runs tasks in the caller's AsyncLocalStorage context", async () => {
    const als = new AsyncLocalStorage<string>();
    const group = new TaskGroup();
    const seen = await als.run("spawner", () =>
      group.spawn(async () => {
        await sleep(1);
        return als.getStore();
      }),
    );
    await group.wait();
    assert.equal(seen, "spawner");
  });

  it("refuses bad input", () => {
    assert.throws(() => new TaskGroup({ signal: 1 as unknown as AbortSignal }), { name: "TypeError", message: /'signal'/ });
    assert.throws(() => new TaskGroup().spawn("x" as unknown as () => void), { name: "TypeError", message: /'fn' must be a function: received "x"/ });
  });
});
