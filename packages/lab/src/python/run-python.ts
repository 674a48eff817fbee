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
export type PythonOutcome<T = PythonResult> = { state: "ok"; result: T } | { state: "failed"; message: string };

/** The longest a program runs by default: 10 minutes (a full-size run of the lab). */
export const PYTHON_TIMEOUT_MS = 600_000;

/** The longest a program runs under `--quick`. */
export const PYTHON_QUICK_TIMEOUT_MS = 60_000;

/** Options of {@link runPython}. */
export interface RunPythonOptions<T = PythonResult> {
  /** The longest the program may run, ms; then its process group is killed. Default {@link PYTHON_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Aborting kills the program. */
  signal?: AbortSignal;
  /** The folder of the programs. Default: the lab's `python/` folder. */
  dir?: string;
  /**
   * Whether the parsed JSON is the answer expected; anything else is a
   * failure ("printed no result"). Default: a {@link PythonResult} (a
   * `python` version and `rows`), what the programs built on `_lab.py` print.
   */
  accept?: (value: unknown) => value is T;
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

/** Whether `value` is what the programs built on `_lab.py` print. */
export function isPythonResult(value: unknown): value is PythonResult {
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
export function runPython<T = PythonResult>(
  python: string,
  program: string,
  params: Record<string, unknown>,
  options: RunPythonOptions<T> = {},
): Promise<PythonOutcome<T>> {
  const accept = options.accept ?? (isPythonResult as unknown as (value: unknown) => value is T);
  const timeoutMs = options.timeoutMs ?? PYTHON_TIMEOUT_MS;
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
    const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
    const timer = setTimeout(() => kill(`timed out after ${limit}`), timeoutMs);
    const onAbort = (): void => kill("stopped");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (outcome: PythonOutcome<T>): void => {
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
        if (!accept(result)) throw new Error("not the expected answer");
        finish({ state: "ok", result });
      } catch {
        finish({ state: "failed", message: `${name} printed no result: ${JSON.stringify(lastLine(stdout).slice(0, 80))}` });
      }
    });
  });
}

/**
 * {@link runPython} for callers that want the answer or an error: the
 * program's parsed JSON, checked by `options.accept`.
 *
 * @throws {Error} When the program fails, times out, is stopped or prints
 *   no accepted answer (the one-line failure message of {@link runPython}).
 *
 * Python: `json.loads(subprocess.run(..., check=True, timeout=...).stdout)`.
 *
 * @example Estimating pi in Python
 * ```ts
 * const isRuns = (v: unknown): v is { runs: unknown[] } => Array.isArray((v as { runs?: unknown }).runs);
 * const answer = await pythonAnswer("python3", "pi", { darts: 10_000, max_workers: 1, repeats: 1, seed: 1 }, { accept: isRuns });
 * console.log(answer.runs.length);
 * ```
 */
export async function pythonAnswer<T>(python: string, program: string, params: Record<string, unknown>, options: RunPythonOptions<T> & { accept: (value: unknown) => value is T }): Promise<T> {
  const outcome = await runPython(python, program, params, options);
  if (outcome.state === "failed") throw new Error(`Cannot run the Python side as ${outcome.message}`);
  return outcome.result;
}

/** Whether `value` is a `{ runs: [...] }` answer (pi.py, sum_squares.py, crawl.py). */
export function hasRuns<R>(value: unknown): value is { runs: R[] } {
  return typeof value === "object" && value !== null && Array.isArray((value as { runs?: unknown }).runs);
}
