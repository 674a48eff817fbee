/**
 * The lab's bridge to its Python programs: finding python3, running a
 * program with a bounded time (failures become one line, never a throw),
 * and adding the Python table beside juggle's result, through the runner.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { help } from "../src/commands/lab.js";
import type { DelayServerHandle, ExperimentResult } from "../src/experiment.js";
import { loadExperiment } from "../src/experiments/registry.js";
import { resolveFlags } from "../src/flags.js";
import { adapters, type Counterpart } from "../src/python/adapters.js";
import { addPythonSide, juggleSecondsPerItem, perItem } from "../src/python/python-side.js";
import { hasRuns, type PythonRow, pythonAnswer, runPython } from "../src/python/run-python.js";
import { silentProgress } from "../src/progress.js";
import { findPython as findPythonInfo } from "../src/python.js";
import { runLab } from "../src/runner.js";

const python = findPythonInfo()?.command ?? null;
const skip = python === null ? "python3 not on PATH" : false;

const noServer = (): Promise<DelayServerHandle> => Promise.reject(new Error("no delay server in this test"));
const juggleResult = (): ExperimentResult => ({
  summary: "juggle summed.",
  headline: [],
  charts: [],
  tables: [
    {
      title: "CPU-bound: sum of squares",
      columns: ["approach", "workers", "seconds"],
      rows: [
        ["no concurrency", 1, 0.002],
        ["threads", 2, 0.004],
        ["processes", 2, "0.5 (0.4–0.6)"],
      ],
    },
  ],
});

/** Waits (bounded) until a file exists. */
async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(path); i++) await sleep(50);
  assert.ok(existsSync(path), `${path} never appeared`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("lab Python side", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "juggle-python-side-"));
    await writeFile(join(dir, "fails.py"), 'import sys\nprint("Traceback: noise", file=sys.stderr)\nprint("Cannot sum as n is bad", file=sys.stderr)\nsys.exit(1)\n');
    await writeFile(join(dir, "chatty.py"), 'print("hello, not JSON")\n');
    await writeFile(join(dir, "primes.py"), "raise ValueError('the Python side broke')\n");
    await writeFile(
      join(dir, "hangs.py"),
      [
        "import json, multiprocessing, os, sys, time",
        "def nap():",
        "    time.sleep(120)",
        "if __name__ == '__main__':",
        "    p = json.loads(sys.stdin.read())",
        "    child = multiprocessing.Process(target=nap)",
        "    child.start()",
        "    with open(p['pids'] + '.tmp', 'w') as f:",
        "        f.write(json.dumps([os.getpid(), child.pid]))",
        "    os.rename(p['pids'] + '.tmp', p['pids'])",
        "    time.sleep(120)",
        "",
      ].join("\n"),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds python3 and its version, and nothing for a command that is not there", () => {
    assert.equal(findPythonInfo(join(dir, "no-such-python3")), undefined);
    const found = findPythonInfo();
    if (found !== undefined) assert.match(found.version, /^3\.\d+\.\d+$/);
  });

  it("a failing, silent or missing program is one line, never a throw", { skip }, async () => {
    const py = python as string;
    const options = { timeoutMs: 60_000, dir };
    assert.deepEqual(await runPython(py, "fails", {}, options), { state: "failed", message: "fails.py failed: Cannot sum as n is bad" });
    assert.deepEqual(await runPython(py, "chatty", {}, options), { state: "failed", message: 'chatty.py printed no result: "hello, not JSON"' });
    const missing = await runPython(py, "absent", {}, options);
    assert.equal(missing.state, "failed");
    assert.match((missing as { message: string }).message, /^absent\.py failed: .*can't open file/);
    const noInterpreter = await runPython(join(dir, "no-python3"), "fails", {}, options);
    assert.match((noInterpreter as { message: string }).message, /^fails\.py could not start: .*ENOENT/);
  });

  it("rejects unknown and mistyped parameters with the key named", { skip }, async () => {
    const bogus = await runPython(python as string, "primes", { bogus: 1 }, { timeoutMs: 60_000 });
    assert.match((bogus as { message: string }).message, /^primes\.py failed: Cannot read the parameters as 'bogus' is unknown/);
    const typed = await runPython(python as string, "primes", { count: "ten" }, { timeoutMs: 60_000 });
    assert.equal((typed as { message: string }).message, `primes.py failed: Cannot read the parameters as 'count' must be int: received "ten"`);
  });

  it("a program past its time or aborted is killed with its child processes", { skip }, async () => {
    const timedOut = await runPython(python as string, "hangs", { pids: join(dir, "t.json") }, { timeoutMs: 200, dir });
    assert.deepEqual(timedOut, { state: "failed", message: "hangs.py timed out after 200 ms" });
    const controller = new AbortController();
    const pids = join(dir, "pids.json");
    const running = runPython(python as string, "hangs", { pids }, { timeoutMs: 120_000, signal: controller.signal, dir });
    await waitForFile(pids);
    const [parent, child] = JSON.parse(await readFile(pids, "utf8")) as [number, number];
    assert.ok(alive(parent) && alive(child));
    controller.abort();
    assert.deepEqual(await running, { state: "failed", message: "hangs.py stopped" });
    assert.equal(alive(parent), false);
    for (let i = 0; i < 100 && alive(child); i++) await sleep(20); // the kernel reaps the orphan
    assert.equal(alive(child), false, "the multiprocessing child is gone too");
  });

  it("pythonAnswer (the crawl's, pi's and sum-squares' call) is the same runner: a timeout is one error, an unexpected answer is refused", { skip }, async () => {
    await assert.rejects(pythonAnswer(python as string, "hangs", { pids: join(dir, "answer.json") }, { timeoutMs: 200, dir, accept: hasRuns }), {
      message: "Cannot run the Python side as hangs.py timed out after 200 ms",
    });
    // primes.py prints rows, not runs: refused rather than passed on.
    const rowsNotRuns = { start: 1000, count: 10, workers: 1, chunkSizes: [1], repeat: 1 };
    await assert.rejects(pythonAnswer(python as string, "primes", rowsNotRuns, { timeoutMs: 60_000, accept: hasRuns }), /^Error: Cannot run the Python side as primes\.py printed no result/);
  });

  it("a failing program becomes a note on juggle's result", { skip }, async () => {
    const flags = { start: 1000, count: 20, workers: 2, chunksizes: [1], chunkCounts: [], maxChunks: 0, seed: 1 };
    const ctx = { quick: true, signal: new AbortController().signal, delayServer: noServer, progress: silentProgress(), python: python as string, dir };
    const result = await addPythonSide("primes", flags, juggleResult(), ctx);
    assert.equal(result.tables.length, 1);
    assert.ok(result.notes?.some((n) => n.startsWith("Python side failed: primes.py failed: ValueError: the Python side broke")), String(result.notes));
  });

  it("formats per-item times without exponents", () => {
    assert.deepEqual([0.9999e-6, 0.9999e-3, 0.9999, 12.3e-9, 2.5].map(perItem), ["1.00 µs", "1.00 ms", "1.00 s", "12.3 ns", "2.50 s"]);
  });

  it("runs through the lab's runner, and not with python: false (--no-python)", { skip }, async () => {
    assert.match(help, /--no-python/);
    const experiment = await loadExperiment("locks");
    assert.ok(experiment);
    const flags = resolveFlags("lab locks", experiment.flags, {}, true);
    const base = { runs: [{ experiment, flags }], quick: true, out: null, progress: silentProgress(), print: () => {} };
    const withPython = await runLab({ ...base, python: findPythonInfo() });
    const without = await runLab(base);
    const titles = (r: typeof withPython): string[] => r.experiments[0]?.result?.tables.map((t) => t.title) ?? [];
    assert.ok(titles(withPython).some((t) => t.startsWith("Python ")), String(titles(withPython)));
    assert.ok(!titles(without).some((t) => t.startsWith("Python ")));
    assert.equal(titles(withPython).length, titles(without).length + 1);
  });
});

describe("lab Python side: juggle's matching rows", () => {
  const row = (label: string, workers: number | null): PythonRow => ({ label, workers, items: 1, unit: "item", times: [1], answer: {} });
  const counterpart = (name: string, r: PythonRow, flags: Record<string, unknown>): Counterpart => {
    const c = adapters[name]?.counterpart(r, flags);
    assert.ok(c, `${name}: ${r.label}`);
    return c;
  };

  it("ipc adds up the matching variant's per-number seconds and no other variant's", () => {
    const tables = [
      {
        title: "ipc",
        columns: ["variant", "number", "prime", "factor", "seconds", "trial divisions"],
        rows: [
          ["processes, no flag", "7", "yes", null, 1, 1],
          ["threads, no flag", "7", "yes", null, 50, 1],
          ["processes, no flag", "9", "no", 3, 3, 1],
          ["processes, Manager flag", "7", "yes", null, 70, 1],
        ],
      },
    ];
    const flags = { numbers: [7, 9] };
    assert.equal(juggleSecondsPerItem(tables, counterpart("ipc", row("no flag", 2), flags)), 2);
    assert.equal(juggleSecondsPerItem(tables, counterpart("ipc", row("Manager().Value flag", 2), flags)), 35);
    assert.equal(juggleSecondsPerItem(tables, counterpart("ipc", row("RawValue flag", 2), flags)), null);
  });

  it("primes-db compares the CPU part per check (each side checks each number its own number of times), and not the saving rows", () => {
    const tables = [
      {
        title: "primes-db",
        columns: ["variant", "primes", "requests", "runtime s", "speed-up vs serial", "check"],
        rows: [
          ["CPU only (no saving)", 10, 0, 3, null, "ok"],
          ["serial", 10, 10, 9, "1x", "ok"],
        ],
      },
    ];
    const flags = { maxNumber: 30, cpuRepeat: 1000, batchSize: 4 };
    assert.equal(juggleSecondsPerItem(tables, counterpart("primes-db", row("CPU only (no saving)", 1), flags)), 3 / 30_000);
    assert.equal(adapters["primes-db"]?.counterpart(row("serial", 1), flags), undefined);
    assert.equal(adapters["primes-db"]?.params(flags, false).cpuRepeat, 20);
  });

  it("queue compares multiprocessing.Queue with ProcessQueue, not with the Manager queue", () => {
    const tables = [
      {
        title: "queue",
        columns: ["variant", "model", "workers", "seconds", "primes"],
        rows: [
          ["queue", "processes", 2, 9, 10],
          ["queue", "processes, ProcessQueue", 2, 1, 10],
        ],
      },
    ];
    const flags = { count: 100 };
    assert.equal(juggleSecondsPerItem(tables, counterpart("queue", row("multiprocessing.Queue ×2", 2), flags)), 1 / 100);
    assert.equal(juggleSecondsPerItem(tables, counterpart("queue", row("multiprocessing.Queue ×3", 3), flags)), null);
  });

  it("locks compares the locked counter with 'lock' and counts juggle's expected updates", () => {
    const tables = [
      {
        title: "locks",
        columns: ["target", "variant", "model", "workers", "expected", "counted", "lost", "torn reads", "seconds"],
        rows: [
          ["counter", "no lock", "threads", 2, 600, 500, 100, 0, 6],
          ["counter", "lock", "threads", 2, 600, 600, 0, 0, 12],
          ["file", "lock", "processes", 2, 60, 60, 0, 0, 1],
        ],
      },
    ];
    assert.equal(juggleSecondsPerItem(tables, counterpart("locks", row("Value with get_lock()", 2), {})), 12 / 600);
    assert.equal(juggleSecondsPerItem(tables, counterpart("locks", row("Value, no lock", 2), {})), 6 / 600);
  });
});
