/**
 * Benchmarks of Thread, Process and runCommands against their anchors, side
 * by side in one run (sides alternate, medians of N rounds, ratios printed):
 *
 * 1. Start → result → exit of one tiny task: `Thread` vs a bare `Worker`
 *    that posts one message; `Process` vs a bare `fork` that sends one
 *    message. Measures juggle's lifecycle overhead over the floor.
 * 2. Running many short programs (`true`) with 2 at once: `runCommands` vs
 *    p-map + `execFile` vs p-limit + `execFile`, and Python's
 *    `ThreadPoolExecutor(2).map(subprocess.run, …)` timed by Python itself.
 *
 *     npx tsc -p tsconfig.json && node --expose-gc dist/bench/threads-and-processes.js [--quick]
 *
 * @module
 */
import { execFile, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import { Process, runCommand, runCommands, Thread, tasks } from "juggle-core";
import pLimit from "p-limit";
import pMap from "p-map";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 3 : 7;
const STARTS = quick ? 10 : 40;
const COMMANDS = quick ? 100 : 400;

const tinyUrl = new URL("./fixtures-tp/tiny.js", import.meta.url);
const tiny = tasks<typeof import("./fixtures-tp/tiny.js")>(tinyUrl);
const execFileAsync = promisify(execFile);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function compare(sides: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  for (const run of Object.values(sides)) await run(); // warm up
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(sides);
    if (round % 2) names.reverse();
    for (const name of names) {
      gc();
      const start = performance.now();
      await sides[name]();
      times[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, median(t)]));
}

function report(title: string, ms: Record<string, number>, per: number, unit: string, baseline: string): void {
  console.log(`\n${title}`);
  for (const [name, value] of Object.entries(ms)) {
    const ratio = value / ms[baseline];
    console.log(`  ${name.padEnd(34)} ${(value / per).toFixed(2).padStart(9)} ${unit}   x${ratio.toFixed(2)} of ${baseline}`);
  }
}

async function sequential(n: number, once: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i++) await once();
}

function bareWorker(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(tinyUrl, { env: { ...process.env, JUGGLE_BENCH_BARE: "1" } });
    let value: unknown;
    worker.once("message", (m) => {
      value = m;
    });
    worker.once("error", reject);
    worker.once("exit", () => resolve(value));
  });
}

function bareFork(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(tinyUrl), ["--bare-child"], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let value: unknown;
    child.once("message", (m) => {
      value = m;
    });
    child.once("error", reject);
    child.once("close", () => resolve(value));
  });
}

async function juggleRun(runner: Thread | Process): Promise<unknown> {
  runner.start();
  await runner.join();
  return runner.result;
}

async function lifecycle(): Promise<void> {
  const threads = await compare({
    "juggle Thread start/join": () => sequential(STARTS, () => juggleRun(new Thread({ target: tiny.answer }))),
    "bare Worker + message + exit": () => sequential(STARTS, bareWorker),
  });
  report(`1a. Thread: start -> result -> exit of a tiny task (${STARTS} in a row, median of ${ROUNDS})`, threads, STARTS, "ms each", "bare Worker + message + exit");
  const processes = await compare({
    "juggle Process start/join": () => sequential(STARTS, () => juggleRun(new Process({ target: tiny.answer }))),
    "bare fork + message + exit": () => sequential(STARTS, bareFork),
  });
  report(`1b. Process: start -> result -> exit of a tiny task (${STARTS} in a row, median of ${ROUNDS})`, processes, STARTS, "ms each", "bare fork + message + exit");
}

async function pythonSide(): Promise<number | undefined> {
  const script = [
    "import subprocess, time",
    "from concurrent.futures import ThreadPoolExecutor",
    `n = ${COMMANDS}`,
    "with ThreadPoolExecutor(2) as ex: list(ex.map(lambda _: subprocess.run(['true'], capture_output=True), range(8)))",
    "t = time.perf_counter()",
    "with ThreadPoolExecutor(2) as ex: list(ex.map(lambda _: subprocess.run(['true'], capture_output=True), range(n)))",
    "print((time.perf_counter() - t) * 1000)",
  ].join("\n");
  try {
    const { stdout } = await runCommand("python3", ["-c", script], { check: true, timeout: 120_000 });
    return Number(stdout.trim());
  } catch {
    return undefined;
  }
}

async function commands(): Promise<void> {
  const list = Array.from({ length: COMMANDS }, () => ["true"] as [string]);
  const ms = await compare({
    "juggle runCommands": () => runCommands(list, { concurrency: 2 }),
    "p-map + execFile": () => pMap(list, ([cmd]) => execFileAsync(cmd), { concurrency: 2 }),
    "p-limit + execFile": () => {
      const limit = pLimit(2);
      return Promise.all(list.map(([cmd]) => limit(() => execFileAsync(cmd))));
    },
  });
  // Python runs in its own process between our rounds' worth of work: one
  // figure per round, median taken the same way.
  const python: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const value = await pythonSide();
    if (value !== undefined) python.push(value);
  }
  if (python.length > 0) ms["Python ThreadPoolExecutor(2)"] = median(python);
  report(`2. ${COMMANDS} runs of \`true\`, 2 at once (median of ${ROUNDS})`, ms, COMMANDS, "ms each", "p-map + execFile");
}

await lifecycle();
await commands();
