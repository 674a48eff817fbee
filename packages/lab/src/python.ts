/**
 * Python's side of the lab: the programs in `python/` (written by this
 * project, standard library only) run with the `python3` found on PATH, fed
 * JSON on stdin, answering JSON on stdout. When there is no `python3` the
 * lab says so and shows juggle's side alone.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The Python the lab runs. */
export interface PythonInfo {
  /** The command, `python3`. */
  command: string;
  /** e.g. "3.13.5". */
  version: string;
}

/** The Python programs, shipped beside `dist/` (`packages/lab/python/`). */
const DIR = fileURLToPath(new URL("../../python/", import.meta.url));

/** `python3` on PATH and its version, or `undefined` when there is none. */
export function findPython(command = "python3"): PythonInfo | undefined {
  const found = spawnSync(command, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8", timeout: 10_000 });
  if (found.status !== 0 || typeof found.stdout !== "string") return undefined;
  return { command, version: found.stdout.trim() };
}

/**
 * Runs `python/<program>.py` with `input` as JSON on stdin and returns its JSON answer.
 *
 * @throws {Error} When the program fails (its stderr's last line in the message) or is aborted.
 */
export function runPython<T>(python: PythonInfo, program: string, input: unknown, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = spawn(python.command, [`${DIR}${program}.py`], { stdio: ["pipe", "pipe", "pipe"], signal });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        const last = err.trim().split("\n").at(-1) ?? "";
        return reject(new Error(`Cannot run the Python side as ${program}.py exited with code ${code}: ${last}`));
      }
      try {
        resolve(JSON.parse(out) as T);
      } catch {
        reject(new Error(`Cannot read the Python side's answer as ${program}.py wrote no JSON: received ${JSON.stringify(out.slice(0, 200))}`));
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}
