/**
 * Runs one of the lab's Python programs (`packages/lab/python/*.py`) with a
 * bounded time and reads its one JSON result. Never throws: a missing
 * program, a crash, bad output or the time running out become a one-line
 * failure message for the report.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** One configuration a Python program ran. */
export interface PythonRow {
  label: string;
  /** Workers (processes, threads, requests in flight); `null` when none apply. */
  workers: number | null;
  /** Items one run handles (numbers checked, darts, requests…). */
  items: number;
  /** What an item is: "number", "dart", "request"… */
  unit: string;
  /** Seconds of each repeated run. */
  times: number[];
  /** What it computed (prime counts, sums, the pi estimate, counter values…). */
  answer: Record<string, unknown>;
}

/** What a Python program prints. */
export interface PythonResult {
  program: string;
  /** The Python version, e.g. "3.11.7". */
  python: string;
  params: Record<string, unknown>;
  rows: PythonRow[];
  /** The HTTP client, for the programs that make requests. */
  client?: string;
}

/** How a run ended: its result, or one line saying why there is none. */
export type PythonOutcome = { state: "ok"; result: PythonResult } | { state: "failed"; message: string };

/** Options of {@link runPython}. */
export interface RunPythonOptions {
  /** The longest the program may run, ms; then its process group is killed. */
  timeoutMs: number;
  /** Aborting kills the program. */
  signal?: AbortSignal;
  /** The folder of the programs. Default: the lab's `python/` folder. */
  dir?: string;
}

/** The lab's `python/` folder (beside `dist/`). */
export const PYTHON_DIR = fileURLToPath(new URL("../../../python/", import.meta.url));

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .at(-1) ?? ""
  );
}

function isResult(value: unknown): value is PythonResult {
  const v = value as PythonResult;
  return typeof v === "object" && v !== null && typeof v.python === "string" && Array.isArray(v.rows);
}

/**
 * Runs `<dir>/<program>.py` with `params` as JSON on stdin and parses the
 * JSON it prints. The program runs in its own process group, killed whole
 * (multiprocessing children included) on timeout or abort.
 *
 * @param python The interpreter, from `findPython()`.
 * @param program The program's name without `.py`, e.g. `"sum_squares"`.
 * @param params Its parameters.
 *
 * Python: `subprocess.run([python, program], input=json.dumps(params), timeout=…)`.
 *
 * @example Summing squares in Python
 * ```ts
 * const outcome = await runPython("/usr/bin/python3", "sum_squares", { size: 1000, count: 2, repeat: 1 }, { timeoutMs: 60_000 });
 * if (outcome.state === "ok") console.log(outcome.result.rows[0]?.answer);
 * else console.log(outcome.message);
 * ```
 */
export function runPython(python: string, program: string, params: Record<string, unknown>, options: RunPythonOptions): Promise<PythonOutcome> {
  const script = `${options.dir ?? PYTHON_DIR}/${program}.py`;
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let stopped: string | undefined;
    // No __pycache__ written into the installed package.
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };
    const child = spawn(python, [script], { stdio: ["pipe", "pipe", "pipe"], detached: true, env });
    const kill = (why: string): void => {
      stopped ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const limit = options.timeoutMs >= 1000 ? `${Math.round(options.timeoutMs / 1000)} s` : `${options.timeoutMs} ms`;
    const timer = setTimeout(() => kill(`timed out after ${limit}`), options.timeoutMs);
    const onAbort = (): void => kill("stopped");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (outcome: PythonOutcome): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.on("error", () => {}); // a program that exits early closes its stdin
    child.stdin.end(JSON.stringify(params));
    child.on("error", (error) => finish({ state: "failed", message: `${program}.py could not start: ${error.message}` }));
    child.on("close", (code, signal) => {
      const name = `${program}.py`;
      if (stopped !== undefined) return finish({ state: "failed", message: `${name} ${stopped}` });
      if (code !== 0) {
        const why = lastLine(stderr) || `exit ${code ?? signal}`;
        return finish({ state: "failed", message: `${name} failed: ${why}` });
      }
      try {
        const result: unknown = JSON.parse(lastLine(stdout));
        if (!isResult(result)) throw new Error("no rows");
        finish({ state: "ok", result });
      } catch {
        finish({ state: "failed", message: `${name} printed no result: ${JSON.stringify(lastLine(stdout).slice(0, 80))}` });
      }
    });
  });
}
