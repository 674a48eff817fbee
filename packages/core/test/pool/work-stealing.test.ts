/**
 * No task waits while a worker is idle: jobs pipelined to a worker busy with
 * a long task are taken back by an idle worker. Gated with shared memory for
 * threads (an Event the test sets) and with a file for processes (the long
 * task spins in a synchronous loop until it exists, so its process's main
 * thread cannot answer anything), never ordered by sleeps; the assertions are
 * about order and which worker ran what, never durations.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { tasks } from "../../src/executor/task.js";
import { ProcessPool } from "../../src/pool/process-pool.js";
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
async function warmUp(pool: ThreadPool | ProcessPool): Promise<void> {
  await pool.map(t.square, Array.from({ length: 4000 }, (_, i) => i), { chunksize: 1 });
}

/** A long task held until `release()`; `ranOn()` is the worker it says it runs on (0 until it says). */
interface Held {
  start(): Promise<number>;
  ranOn(): number;
  release(): void;
}

/**
 * After a warm-up, submits the held long task and then 5 short ones: every
 * short one finishes while the long one is held, none on its worker, each
 * traced once on the worker that ran it; then releases the long one.
 */
async function shortsPassTheHeldOne(pool: ThreadPool | ProcessPool, trace: TraceRecorder, kind: "thread" | "process", held: Held): Promise<void> {
  await warmUp(pool);
  let longDone = false;
  const long = held.start().then((w) => {
    longDone = true;
    return w;
  });
  const shorts = Array.from({ length: 5 }, () => pool.submit(g.where));
  const ran = await bounded(Promise.all(shorts), 20_000, "the 5 short tasks finish while the long one is held");
  assert.equal(longDone, false);
  // The long task may still be loading its module: it has claimed its job, so nothing else runs on its worker meanwhile.
  await waitUntil(() => held.ranOn() !== 0, `the long task says which ${kind} runs it`);
  const busy = held.ranOn();
  for (const w of ran) assert.notEqual(w, busy, `no short task ran on the ${kind} held by the long one`);
  held.release();
  assert.equal(await long, busy);
  // Each short task is traced once, on the worker that ran it (job ids follow submission order).
  const records = trace.events.filter((r) => r.name === "where").sort((a, b) => a.id - b.id);
  assert.deepEqual(
    records.map((r) => r.worker),
    ran.map((w) => `${kind}-${w}`),
  );
  assert.equal(pool.stats().failed, 0);
}

describe("ThreadPool work stealing", () => {
  it("short tasks submitted after a long one all finish on the other worker before it (traced there)", async () => {
    const trace = new TraceRecorder();
    await using pool = new ThreadPool({ workers: 2, trace });
    const gate = new Event();
    const longRan = new Value("int32", 0);
    try {
      await shortsPassTheHeldOne(pool, trace, "thread", {
        start: () => pool.submit(g.holdUntil, gate as never, longRan as never),
        ranOn: () => longRan.load(),
        release: () => gate.set(),
      });
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

/** A gate file for worker processes: `open()` creates it, and `ran` is where a task writes its worker. */
function fileGate(): { gate: string; ran: string; open(): void; ranOn(): number; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "juggle-steal-"));
  const gate = join(dir, "gate");
  const ran = join(dir, "ran");
  return {
    gate,
    ran,
    open: () => writeFileSync(gate, ""),
    ranOn: () => {
      try {
        return Number(readFileSync(ran, "utf8"));
      } catch {
        return 0;
      }
    },
    [Symbol.dispose]: () => {
      writeFileSync(gate, "");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("ProcessPool work stealing", () => {
  it("short tasks submitted after a synchronous long one all finish on the other process before it (traced there)", async () => {
    const trace = new TraceRecorder();
    await using pool = new ProcessPool({ workers: 2, trace });
    using gate = fileGate();
    await shortsPassTheHeldOne(pool, trace, "process", {
      start: () => pool.submit(g.spinUntil, gate.gate, gate.ran),
      ranOn: () => gate.ranOn(),
      release: () => gate.open(),
    });
  });

  it("imapUnordered yields the quick items before a spinning one submitted first (chunksize 1)", async () => {
    await using pool = new ProcessPool({ workers: 2 });
    await warmUp(pool);
    using gate = fileGate();
    const items = [{ tag: "held", gate: gate.gate }, { tag: "quick-1" }, { tag: "quick-2" }];
    const it = pool.imapUnordered(g.taggedSpin, items, { chunksize: 1 });
    const first = await bounded(it.next(), 20_000, "a first result while one item spins");
    const second = await bounded(it.next(), 20_000, "a second result while one item spins");
    assert.deepEqual([first.value?.[0], second.value?.[0]].sort(), ["quick-1", "quick-2"]);
    gate.open();
    const third = await it.next();
    assert.equal(third.value?.[0], "held");
    assert.equal((await it.next()).done, true);
  });

  it("runs each of many tasks taken back from a spinning process exactly once", async () => {
    const trace = new TraceRecorder();
    await using pool = new ProcessPool({ workers: 2, trace });
    await warmUp(pool);
    const before = trace.events.length;
    using gate = fileGate();
    const long = pool.submit(g.spinUntil, gate.gate, gate.ran);
    const n = 300;
    const shorts = Array.from({ length: n }, (_, i) => pool.submit(t.square, i));
    const results = await bounded(Promise.all(shorts), 20_000, `the ${n} short tasks finish while the long one spins`);
    assert.deepEqual(
      results,
      Array.from({ length: n }, (_, i) => i * i),
    );
    await waitUntil(() => gate.ranOn() !== 0, "the long task says which process runs it");
    const squares = trace.events.slice(before).filter((r) => r.name === "square");
    assert.equal(squares.length, n, "each short task is traced once");
    assert.equal(new Set(squares.map((r) => r.id)).size, n);
    for (const r of squares) assert.notEqual(r.worker, `process-${gate.ranOn()}`);
    gate.open();
    assert.equal(await long, gate.ranOn());
  });
});

describe("ProcessPool work stealing under kills", () => {
  it("every task ends once with its own result, and runs again only when its process was killed while running it", async () => {
    await using pool = new ProcessPool({ workers: 2, retries: 1000 });
    using gate = fileGate();
    const log = join(dirname(gate.gate), "log");
    writeFileSync(log, "");
    const n = 1200;
    let settled = 0;
    const killed = new Set<string>();
    const run = (i: number): Promise<number> => {
      // Mostly tiny tasks, so jobs are pipelined, and a few longer ones to take them back from.
      const ms = i % 25 === 0 ? 20 : i % 2 === 0 ? 0.3 : 0;
      return pool.submit(g.logged, i, ms, log).then((v) => {
        settled++;
        // Every 150th result kills a worker: an event, not a timer, picks the moment.
        if (settled % 150 === 0) {
          const victim = pool.stats().workers[(settled / 150) % 2];
          if (victim !== undefined) {
            killed.add(victim.id);
            try {
              process.kill(Number(victim.id.slice("process-".length)), "SIGKILL");
            } catch {
              // Already gone.
            }
          }
        }
        return v;
      });
    };
    // In rounds, each awaited in part: the queue runs dry again and again while workers hold jobs.
    const runs: Promise<number>[] = [];
    for (let first = 0; first < n; first += 60) {
      const round = Array.from({ length: 60 }, (_, k) => run(first + k));
      runs.push(...round);
      await Promise.all(round.slice(0, 20));
    }
    const results = await bounded(Promise.all(runs), 60_000, `the ${n} tasks end under kills`);
    assert.deepEqual(
      results,
      Array.from({ length: n }, (_, i) => i),
    );
    const lines = readFileSync(log, "utf8").trim().split("\n").map((line) => line.split(" "));
    const lastOf = new Map<string, string>();
    for (const [id, worker] of lines) lastOf.set(worker as string, id as string);
    const ranOn = new Map<string, string>();
    for (const [id, worker] of lines) {
      const before = ranOn.get(id as string);
      if (before !== undefined) {
        assert.ok(killed.has(`process-${before}`), `task ${id} ran twice, the first time on a process not killed`);
        assert.equal(lastOf.get(before), id, `task ${id} ran twice, the first time not as its killed process's last task`);
      }
      ranOn.set(id as string, worker as string);
    }
    assert.equal(ranOn.size, n, "every task ran");
    assert.ok(killed.size >= 3, `workers were killed: ${[...killed].join(", ")}`);
  });
});
