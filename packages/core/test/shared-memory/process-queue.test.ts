import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { encodeShared } from "../../src/internal/shareable.js";
import { Process, ProcessPool, tasks } from "../../src/pool/index.js";
import { ProcessQueue } from "../../src/shared-memory/index.js";

const t = tasks<typeof import("./fixtures/process-queue-tasks.js")>(new URL("./fixtures/process-queue-tasks.js", import.meta.url));

/** The socket file other processes reach `queue` at (sharing it starts the server). */
function socketOf(queue: ProcessQueue): string {
  return (encodeShared(queue) as unknown as { state: { address: { path: string } } }).state.address.path;
}

/** Waits for `p` and checks it ended well. */
async function joined<T>(p: Process): Promise<T> {
  await p.join();
  if (p.error !== undefined) throw p.error;
  assert.equal(p.exitCode, 0);
  return p.result as T;
}

const GET = { timeout: 20_000 };

/** Forks an owner process (fixtures/process-queue-owner.ts) that ends as `how` says. */
function owner(how: string) {
  const child = fork(new URL("./fixtures/process-queue-owner.js", import.meta.url), [how], { stdio: ["ignore", "ignore", "ignore", "ipc"] });
  const reported = new Promise<{ path: string; consumer?: number }>((resolve) => child.once("message", (m) => resolve(m as never)));
  const path = reported.then((r) => r.path);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, path, reported, exited };
}

/** The files in the temp dir that belong to `queue` (its socket, its consumers' tallies). */
function filesOf(queue: ProcessQueue): string[] {
  const socket = socketOf(queue);
  const stem = basename(socket).slice(0, -".sock".length);
  return readdirSync(tmpdir())
    .filter((f) => f.startsWith(stem))
    .map((f) => join(tmpdir(), f));
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
} // a bound for a loaded machine, never reached when things work

describe("ProcessQueue", () => {
  it("in its own process: FIFO, tryGet unions, close() drains then wakes getters with QueueShutDown", async () => {
    using q = new ProcessQueue<string>();
    assert.deepEqual(q.tryGet(), { state: "empty" });
    await q.put("a");
    await q.put("b");
    assert.deepEqual(q.tryGet(), { state: "ok", value: "a" });
    assert.equal(await q.get(), "b");
    const waiting = q.get();
    await q.close();
    await assert.rejects(waiting, { name: "QueueShutDown", code: "ERR_JUGGLE_QUEUE_SHUT_DOWN" });
    await assert.rejects(q.put("c"), { name: "QueueShutDown", message: "Cannot put in ProcessQueue as it is closed" });
    assert.deepEqual(q.tryGet(), { state: "closed" });
    assert.equal(q.closed, true);
  });

  it("a get that times out or is aborted takes nothing", async () => {
    using q = new ProcessQueue<number>();
    await assert.rejects(q.get({ timeout: 1 }), { name: "TimeoutError" });
    const controller = new AbortController();
    const aborted = q.get({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(aborted, { message: "stop" });
    await q.put(7);
    assert.equal(await q.get(), 7);
  });

  it("refuses bad input with errors naming the value", async () => {
    assert.throws(() => new ProcessQueue({ prefetch: -1 }), {
      name: "RangeError",
      message: "Cannot create ProcessQueue as 'prefetch' must be a non-negative integer <= 1048576: received -1",
    });
    assert.throws(() => new ProcessQueue({ prefetch: "2" as never }), { name: "TypeError", message: /'prefetch'.*received "2"/ });
    assert.throws(() => new ProcessQueue(null as never), { name: "TypeError", message: /'options' must be an object: received null/ });
    using q = new ProcessQueue<unknown>();
    await assert.rejects(q.put(() => 1), {
      name: "TypeError",
      message: "Cannot put item in ProcessQueue as it cannot be sent to another process: received function (anonymous)",
    });
    await assert.rejects(q.get({ timeout: -1 }), { name: "RangeError", message: /'timeout'.*received -1/ });
    await assert.rejects(q.get({ signal: "no" as never }), { name: "TypeError", message: /'signal' must be an AbortSignal: received "no"/ });
    assert.deepEqual(q.tryGet(), { state: "empty" }, "a refused put put nothing");
  });

  it("arrives in a child process as a working ProcessQueue; its puts reach the owner in order", async () => {
    using q = new ProcessQueue<number>();
    const kind = new Process({ target: t.kindOf, args: [q] });
    kind.start();
    assert.equal(await joined(kind), "ProcessQueue");
    const a = new Process({ target: t.produce, args: [q, 0, 500] });
    const b = new Process({ target: t.produce, args: [q, 1000, 500] });
    a.start();
    b.start();
    await q.put(5000);
    const got: number[] = [];
    for (let i = 0; i < 1001; i++) got.push(await q.get(GET));
    assert.deepEqual(await Promise.all([joined(a), joined(b)]), [500, 500]);
    for (const from of [0, 1000]) {
      const mine = got.filter((n) => n >= from && n < from + 500);
      assert.deepEqual(mine, Array.from({ length: 500 }, (_, i) => from + i), "each producer's items in its order");
    }
    assert.deepEqual(q.tryGet(), { state: "empty" }, "nothing more than was put");
  });

  it("two consumer processes and the owner take 3,000 items, each exactly once, until their poison pills", async () => {
    using jobs = new ProcessQueue<number>();
    using results = new ProcessQueue<[number, number]>();
    const consumers = [1, 2].map(() => new Process({ target: t.consume, args: [jobs, results, -1] }));
    for (const c of consumers) c.start();
    for (let n = 0; n < 3000; n++) await jobs.put(n);
    const ownerTook: number[] = [];
    for (let i = 0; i < 100; i++) ownerTook.push(await jobs.get());
    for (const _ of consumers) await jobs.put(-1);
    const childTook = await Promise.all(consumers.map((c) => joined<number>(c)));
    const seen = [...ownerTook];
    const pids = new Set<number>();
    for (let i = 0; i < 2900; i++) {
      const [pid, n] = await results.get(GET);
      pids.add(pid);
      seen.push(n);
    }
    assert.equal(childTook[0] + childTook[1], 2900);
    assert.deepEqual(
      seen.sort((x, y) => x - y),
      Array.from({ length: 3000 }, (_, i) => i),
      "every item exactly once",
    );
    assert.ok(!pids.has(process.pid));
  });

  it("close() wakes a getter waiting in a child process with QueueShutDown; a child can close it too", async () => {
    using jobs = new ProcessQueue<number>();
    using ready = new ProcessQueue<string>();
    const child = new Process({ target: t.getOutcome, args: [jobs, ready] });
    child.start();
    assert.equal(await ready.get(GET), "waiting");
    await jobs.close();
    assert.equal(await joined(child), "QueueShutDown");
    using other = new ProcessQueue<number>();
    const waiting = assert.rejects(other.get(), { name: "QueueShutDown" });
    const closer = new Process({ target: t.closeFromChild, args: [other] });
    closer.start();
    assert.equal(await joined(closer), true);
    await waiting;
  });

  it("a consumer that took one item holds at most one more; killed, it loses nothing else: what it held goes back", async () => {
    using jobs = new ProcessQueue<number>();
    using taken = new ProcessQueue<number>();
    for (let n = 0; n < 10; n++) await jobs.put(n);
    const child = new Process({ target: t.takeOneAndHang, args: [jobs, taken] });
    child.start();
    assert.equal(await taken.get(GET), 0);
    const rest: number[] = [];
    for (let r = jobs.tryGet(); r.state === "ok"; r = jobs.tryGet()) rest.push(r.value);
    assert.ok(rest.length >= 8, `a slow consumer keeps at most one item ahead from the others: the owner still had ${rest}`);
    child.kill();
    await child.join();
    while (rest.length < 9) rest.push(await jobs.get(GET));
    // What it held comes back when its death is noticed, maybe after later items.
    assert.deepEqual(
      rest.sort((x, y) => x - y),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(jobs.tryGet(), { state: "empty" }, "the taken item is not delivered twice");
    assert.deepEqual(filesOf(jobs), [socketOf(jobs)], "the dead consumer's tally file is gone");
  });

  it("a consumer SIGKILLed before it could report a take over the socket: that item is not delivered again", async () => {
    using jobs = new ProcessQueue<number>({ prefetch: 16 });
    for (let n = 0; n < 10; n++) await jobs.put(n);
    const report = join(tmpdir(), `juggle-test-took-${process.pid}-${Date.now()}.json`);
    const child = new Process({ target: t.takeTwoAndSpin, args: [jobs, report] });
    child.start();
    try {
      // Bounded wait for the child's file (it spins, so it cannot answer otherwise).
      for (let i = 0; i < 1000 && !existsSync(report); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(JSON.parse(readFileSync(report, "utf8")), [0, 1]);
      child.kill();
      await child.join();
    } finally {
      rmSync(report, { force: true });
      if (child.isAlive) child.kill();
    }
    const rest: number[] = [];
    for (let i = 0; i < 8; i++) rest.push(await jobs.get(GET));
    assert.deepEqual(
      rest.sort((x, y) => x - y),
      [2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(jobs.tryGet(), { state: "empty" }, "neither taken item comes back");
  });

  it("a 4 MB item crosses to a child and back intact", async () => {
    using jobs = new ProcessQueue<string>();
    using results = new ProcessQueue<string>();
    const big = "x".repeat(4 << 20) + "end";
    await jobs.put(big);
    const child = new Process({ target: t.echo, args: [jobs, results] });
    child.start();
    assert.equal(await results.get(GET), big);
    await joined(child);
  });

  it("cuts off a connection without the key, or announcing more than 256 bytes before it", async () => {
    using q = new ProcessQueue<number>();
    const path = socketOf(q);
    for (const greeting of [Buffer.from([0, 0, 0, 65, 1, ...Buffer.from("wrong key".padEnd(64))]), Buffer.from([0, 0x10, 0, 0, 1])]) {
      const socket = connect(path);
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.on("error", () => {});
      socket.write(greeting);
      await closed;
    }
    await q.put(1);
    assert.deepEqual(q.tryGet(), { state: "ok", value: 1 }, "the queue still works");
  });

  it("a consumer killed while its get waits takes nothing: the next item goes to the owner", async () => {
    using jobs = new ProcessQueue<number>();
    using ready = new ProcessQueue<string>();
    const child = new Process({ target: t.getOutcome, args: [jobs, ready] });
    child.start();
    assert.equal(await ready.get(GET), "waiting");
    child.kill();
    await child.join();
    await jobs.put(42);
    assert.equal(await jobs.get(GET), 42);
  });

  it("as a ProcessPool task argument: a worker that returned hands back the items it held", async () => {
    using jobs = new ProcessQueue<number>({ prefetch: 16 });
    for (let n = 0; n < 5; n++) await jobs.put(n);
    const pool = new ProcessPool({ workers: 1 });
    try {
      assert.equal(await pool.submit(t.takeOne, jobs), 0);
      // The worker lives on, idle, holding what it was sent ahead (item 1).
      const rest: number[] = [];
      for (let i = 0; i < 4; i++) rest.push(await jobs.get(GET));
      assert.deepEqual(
        rest.sort((x, y) => x - y),
        [1, 2, 3, 4],
      );
    } finally {
      pool.close();
      await pool.join();
    }
  });

  it("leaves no socket file and no handle behind once closed and drained", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length;
    const q = new ProcessQueue<number>();
    const path = socketOf(q);
    assert.ok(existsSync(path));
    const child = new Process({ target: t.produce, args: [q, 0, 3] });
    child.start();
    assert.equal(await joined(child), 3);
    await q.close();
    for (let i = 0; i < 3; i++) assert.equal(await q.get(GET), i);
    await assert.rejects(q.get(), { name: "QueueShutDown" });
    assert.equal(existsSync(path), false);
    assert.deepEqual(
      readdirSync(tmpdir()).filter((f) => f.startsWith(basename(path).slice(0, -".sock".length))),
      [],
      "nor a consumer's tally file",
    );
    // The child's pipes and exit handle close on their own ticks: wait for them, bounded. Nothing
    // may be left beyond what was open before (an earlier test's handle may close meanwhile).
    const active = (): number => process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap").length;
    for (const deadline = Date.now() + 5000; active() > before && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(active() <= before, `left open: ${process.getActiveResourcesInfo()} (before: ${before})`);
  });

  it("an owner that exits or throws removes its socket file; a SIGKILLed one's file is swept by the next queue", async () => {
    for (const how of ["exit", "throw"]) {
      const o = owner(how);
      const path = await o.path;
      await o.exited;
      assert.equal(existsSync(path), false, `after ${how}`);
    }
    const killed = owner("hang");
    const path = await killed.path;
    assert.ok(existsSync(path));
    killed.child.kill("SIGKILL");
    await killed.exited;
    assert.ok(existsSync(path), "SIGKILL leaves the file");
    using next = new ProcessQueue();
    socketOf(next);
    assert.equal(existsSync(path), false, "the next queue swept it");
  });

  it("a consumer process whose owner is SIGKILLed mid-get ends: its get rejects, nothing keeps it running", async () => {
    const o = owner("consumer");
    const { consumer } = await o.reported;
    assert.ok(consumer !== undefined && running(consumer));
    o.child.kill("SIGKILL");
    await o.exited;
    // Bounded wait for a loaded machine; the consumer normally ends within milliseconds.
    for (let i = 0; i < 400 && running(consumer); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(running(consumer), false);
    using sweeper = new ProcessQueue();
    socketOf(sweeper);
    assert.equal(existsSync(await o.path), false, "its socket file was swept");
  });
});
