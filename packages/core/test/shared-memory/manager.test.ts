import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { deserializeError, type SerializedError } from "../../src/internal/errors.js";
import { decodeShared, encodeShared } from "../../src/internal/shareable.js";
import { Manager, type ManagerLock, withLock } from "../../src/shared-memory/index.js";

interface Child<T> {
  result: Promise<T>;
  exited: Promise<number | null>;
}

function runChild<T = unknown>(scenario: string, ...args: unknown[]): Child<T> {
  const child = fork(new URL("./fixtures/manager-child.js", import.meta.url), { serialization: "advanced", stdio: "inherit" });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const result = new Promise<T>((resolve, reject) => {
    child.once("message", (m: { ok: boolean; value?: T; error?: SerializedError }) =>
      m.ok ? resolve(m.value as T) : reject(deserializeError(m.error as SerializedError)),
    );
    child.once("exit", (code) => reject(new Error(`child exited with ${code} before answering`)));
  });
  child.send({ scenario, args: encodeShared(args) });
  return { result, exited };
}

describe("Manager", () => {
  it("serves values, queues, locks and events to its own process", async () => {
    await using manager = await Manager.start();
    const v = manager.value(1);
    assert.equal(await v.add(2), 1);
    assert.equal(await v.compareExchange(3, 10), 3);
    assert.equal(await v.load(), 10);
    const q = manager.queue<string>({ maxsize: 1 });
    await q.put("a");
    assert.deepEqual(await q.tryPut("b"), { state: "full" });
    await assert.rejects(q.put("b", { timeout: 5 }), { name: "TimeoutError" });
    assert.equal(await q.get(), "a");
    await assert.rejects(q.get({ timeout: 5 }), { name: "TimeoutError" });
    const lock = manager.lock();
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.acquire({ timeout: 5 }), false);
    await lock.release();
    await assert.rejects(lock.release(), { code: "ERR_JUGGLE_NOT_LOCKED" });
    const e = manager.event();
    assert.equal(await e.wait({ timeout: 5 }), false);
    const waiting = e.wait();
    await e.set();
    assert.equal(await waiting, true);
  });

  it("a queue's maxsize 0 means no limit, as in Python; a negative or fractional one is refused", async () => {
    await using manager = await Manager.start();
    const q = manager.queue<number>({ maxsize: 0 });
    for (let i = 0; i < 3; i++) assert.deepEqual(await q.tryPut(i), { state: "ok" });
    for (const bad of [-1, 1.5]) {
      assert.throws(() => manager.queue({ maxsize: bad }), {
        name: "RangeError",
        message: `Cannot create manager Queue as 'maxsize' must be a non-negative integer or Infinity: received ${bad}`,
      });
    }
  });

  it("two child processes x 200 read-modify-writes under a manager Lock lose nothing", async () => {
    await using manager = await Manager.start();
    const value = manager.value(0);
    const lock = manager.lock();
    const a = runChild("counter", value, lock, 200);
    const b = runChild("counter", value, lock, 200);
    assert.deepEqual(await Promise.all([a.result, b.result]), [200, 200]);
    assert.deepEqual(await Promise.all([a.exited, b.exited]), [0, 0], "children exit by themselves");
    assert.equal(await value.load(), 400);
    assert.equal(await lock.locked(), false);
  });

  it("a child's messages arrive in order; close() ends the parent's iteration", async () => {
    await using manager = await Manager.start();
    const queue = manager.queue<number>({ maxsize: 8 });
    const child = runChild<number>("produce", queue, 1, 500);
    const got: number[] = [];
    const consuming = (async () => {
      for await (const m of queue) got.push(m);
    })();
    assert.equal(await child.result, 500);
    await queue.close();
    await consuming;
    assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => 1_000_000 + i));
    await child.exited;
  });

  it("proxies arrive in a child with the same classes", async () => {
    await using manager = await Manager.start({ transport: "tcp" });
    const child = runChild<string[]>("kinds", manager.value(0), manager.queue(), manager.lock(), manager.event());
    assert.deepEqual(await child.result, ["ManagerValue", "ManagerQueue", "ManagerLock", "ManagerEvent"]);
    await child.exited;
  });

  it("a child waiting on an Event wakes when the parent sets it", async () => {
    await using manager = await Manager.start();
    const event = manager.event();
    const child = runChild<boolean>("waitEvent", event, 30_000);
    // The wait parks on the manager; setting it before or after is fine either way.
    await event.set();
    assert.equal(await child.result, true);
    await child.exited;
  });

  it("releases a lock whose holder process died", async () => {
    await using manager = await Manager.start();
    const lock = manager.lock();
    const child = runChild<string>("holdLockAndDie", lock);
    assert.equal(await child.result, "held");
    assert.equal(await child.exited, 3);
    assert.equal(await lock.acquire({ timeout: 30_000 }), true);
    await lock.release();
  });

  it("an aborted get() takes nothing", async () => {
    await using manager = await Manager.start();
    const queue = manager.queue<string>();
    const controller = new AbortController();
    const aborted = queue.get({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(aborted, { message: "stop" });
    await queue.put("x");
    assert.deepEqual(await queue.tryGet(), { state: "ok", value: "x" });
  });

  it("refuses a client with the wrong auth key", async () => {
    await using manager = await Manager.start();
    const descriptor = encodeShared(manager.value(0)) as unknown as { state: { authKey: string } };
    const forged = { ...descriptor, state: { ...descriptor.state, authKey: "0".repeat(64) } };
    const proxy = (await decodeShared(forged)) as unknown as ManagerLock & { load(): Promise<number> };
    await assert.rejects(proxy.load(), { code: "ERR_JUGGLE_MANAGER_CLOSED" });
  });

  it("shutdown() fails pending calls, removes the socket and leaves no handles", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length;
    const manager = await Manager.start();
    const path = (manager.address as { path: string }).path;
    assert.ok(existsSync(path));
    const queue = manager.queue();
    const pending = queue.get();
    const lock = manager.lock();
    await withLock(lock, () => {});
    await manager.shutdown();
    await assert.rejects(pending, { code: "ERR_JUGGLE_MANAGER_CLOSED" });
    assert.equal(existsSync(path), false);
    assert.throws(() => manager.value(1), { code: "ERR_JUGGLE_MANAGER_CLOSED" });
    await manager.shutdown();
    // Handles close asynchronously: give their close callbacks a few turns.
    const count = () => process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length;
    for (let i = 0; i < 100 && count() > before; i++) await new Promise((resolve) => setImmediate(resolve));
    const after = count();
    assert.ok(after <= before, `resources before ${before}, after ${process.getActiveResourcesInfo()}`);
  });
});
