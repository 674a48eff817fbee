import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { wait } from "../../src/async/wait.js";
import { tasks } from "../../src/executor/task.js";
import { deferred } from "../../src/internal/deferred.js";
import { InlineExecutor } from "../../src/pool/inline-executor.js";

const t = tasks<typeof import("../pool/fixtures-tp/targets.js")>(new URL("../pool/fixtures-tp/targets.js", import.meta.url));

/** A promise that never rejects unhandled (its rejection is observed by wait()). */
function failing(message: string): { promise: Promise<never>; fail: () => void } {
  const d = deferred<never>();
  d.promise.catch(() => {});
  return { promise: d.promise, fail: () => d.reject(new Error(message)) };
}

describe("wait", () => {
  it("ALL_COMPLETED (the default) returns every future in done, as passed in", async () => {
    const a = Promise.resolve(1);
    const b = failing("b");
    b.fail();
    const { done, pending } = await wait([a, b.promise]);
    assert.deepEqual([...done].sort(), [a, b.promise].sort());
    assert.ok(done.has(a) && done.has(b.promise));
    assert.equal(pending.size, 0);
  });

  it("FIRST_COMPLETED returns at the first settled future, leaving the rest pending", async () => {
    const slow = deferred<string>();
    const fast = deferred<string>();
    const waiting = wait([slow.promise, fast.promise], { returnWhen: "FIRST_COMPLETED" });
    fast.resolve("fast");
    const { done, pending } = await waiting;
    assert.deepEqual([...done], [fast.promise]);
    assert.deepEqual([...pending], [slow.promise]);
    slow.resolve("slow");
  });

  it("FIRST_EXCEPTION returns at the first failure, or when all are done", async () => {
    const ok = deferred<number>();
    const bad = failing("bad");
    const other = deferred<number>();
    const waiting = wait([ok.promise, bad.promise, other.promise], { returnWhen: "FIRST_EXCEPTION" });
    ok.resolve(1);
    await new Promise((resolve) => setImmediate(resolve));
    bad.fail();
    const { done, pending } = await waiting;
    assert.deepEqual(new Set(done), new Set([ok.promise, bad.promise]));
    assert.deepEqual([...pending], [other.promise]);
    other.resolve(2);
    const all = await wait([Promise.resolve(1), Promise.resolve(2)], { returnWhen: "FIRST_EXCEPTION" });
    assert.equal(all.done.size, 2);
  });

  it("a timeout returns what is done so far, without error", async (context) => {
    context.mock.timers.enable({ apis: ["setTimeout"] });
    const never = deferred<void>();
    const done1 = Promise.resolve("x");
    const waiting = wait([never.promise, done1], { timeout: 500 });
    await new Promise((resolve) => setImmediate(resolve));
    context.mock.timers.tick(500);
    const { done, pending } = await waiting;
    assert.deepEqual([...done], [done1]);
    assert.deepEqual([...pending], [never.promise]);
  });

  it("accepts AsyncResults from applyAsync, a failed one counting as an exception", async () => {
    await using executor = new InlineExecutor();
    const good = executor.applyAsync(t.addLater, [1, 2]);
    const bad = executor.applyAsync(t.burn, ["toast"]);
    const first = await wait([good, bad], { returnWhen: "FIRST_EXCEPTION" });
    assert.ok(first.done.has(bad));
    assert.equal(bad.successful(), false);
    const all = await wait([good, bad]);
    assert.deepEqual(all.done, new Set([good, bad]));
    assert.equal(await good.get(), 3);
  });

  it("an abort rejects with the signal's reason; bad input is refused, naming it", async () => {
    const controller = new AbortController();
    const waiting = wait([deferred<void>().promise], { signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, { message: "stop" });
    await assert.rejects(wait([1 as never]), { name: "TypeError", message: "Cannot wait as each of 'futures' must be a promise or an AsyncResult: received 1" });
    await assert.rejects(wait(5 as never), { name: "TypeError", message: /'futures' must be an iterable/ });
    await assert.rejects(wait([], { returnWhen: "FIRST" as never }), { name: "TypeError", message: /'returnWhen' must be one of/ });
    await assert.rejects(wait([], { timeout: -1 }), { name: "RangeError", message: /'timeout'.*-1/ });
    assert.deepEqual(await wait([]), { done: new Set(), pending: new Set() });
  });
});
