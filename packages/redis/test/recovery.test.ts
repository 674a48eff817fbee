import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Redis } from "ioredis";
import { RedisPool } from "../src/index.js";
import { tasks } from "juggle-core";
import { startRedisServer } from "juggle-testing/redis-server";
import { startWorker, tasksModule, until } from "./workers.js";

const t = tasks<typeof import("./fixtures/tasks.js")>(tasksModule);

test("a task whose worker is SIGKILLed mid-task runs again on another worker within 10 s, with one result", async () => {
  const redis = await startRedisServer();
  const dir = await mkdtemp(join(tmpdir(), "juggle-recovery-"));
  const first = await startWorker(redis.url, ["--queue", "recovery"]);
  let second: Awaited<ReturnType<typeof startWorker>> | undefined;
  const client = new Redis(redis.url);
  const pool = new RedisPool({ connection: redis.url, queue: "recovery" });
  try {
    const runs = join(dir, "runs");
    const results: string[] = [];
    const call = pool.applyAsync(t.holdFirstRun, [runs, "done"], { callback: (v) => results.push(v) });
    // The first worker has started the task (and blocks in it).
    await until("the task starts", () => existsSync(runs), 10_000);
    assert.equal(readFileSync(runs, "utf8"), `${first.pid}\n`);
    second = await startWorker(redis.url, ["--queue", "recovery"]);
    first.child.kill("SIGKILL");
    assert.equal(await first.exited, "SIGKILL");
    const killedAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const value = await Promise.race([
      call.get(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the task was not recovered within 10 s")), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.equal(value, "done");
    assert.ok(Date.now() - killedAt < 10_000);
    // Run twice (at least once, not exactly once), delivered once.
    assert.deepEqual(readFileSync(runs, "utf8").trim().split("\n"), [String(first.pid), String(second.pid)]);
    assert.deepEqual(results, ["done"]);
    assert.equal(pool.stats().completed, 1);
    pool.close();
    await pool.join();
    assert.equal(await client.zcard("juggle:recovery:completed"), 0);
  } finally {
    await pool.terminate();
    client.disconnect();
    if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill("SIGKILL");
    const code: unknown = await second?.stop();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
    if (second !== undefined) assert.equal(code, 0, second.output());
  }
});

test("a worker sent SIGTERM finishes its running task, delivers the result and exits 0", async () => {
  const redis = await startRedisServer();
  const dir = await mkdtemp(join(tmpdir(), "juggle-sigterm-"));
  const worker = await startWorker(redis.url, ["--queue", "graceful"]);
  const pool = new RedisPool({ connection: redis.url, queue: "graceful" });
  try {
    const gate = join(dir, "gate");
    const call = pool.submit(t.gated, { gate, value: 7 });
    await until("the task runs", () => worker.output().includes("gated started"), 10_000);
    worker.child.kill("SIGTERM");
    await until("the worker finishes its running jobs", () => worker.output().includes("finishing its running jobs"), 10_000);
    assert.equal(worker.child.exitCode, null, "the worker waits for its task");
    await writeFile(gate, "");
    assert.equal(await call, 7);
    assert.equal(await worker.exited, 0, worker.output());
  } finally {
    await pool.terminate();
    await worker.stop();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
