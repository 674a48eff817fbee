/**
 * The `python3` of the lab's Python side, found on PATH. The programs in
 * `python/` (written by this project, standard library only) are run by
 * `python/run-python.ts`. When there is no `python3` the lab says so and
 * shows juggle's side alone.
 *
 * @module
 */
import { spawnSync } from "node:child_process";

/** The Python the lab runs. */
export interface PythonInfo {
  /** The command, `python3`. */
  command: string;
  /** e.g. "3.13.5". */
  version: string;
}

/** `python3` on PATH and its version, or `undefined` when there is none. */
export function findPython(command = "python3"): PythonInfo | undefined {
  const found = spawnSync(command, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8", timeout: 10_000 });
  if (found.status !== 0 || typeof found.stdout !== "string") return undefined;
  return { command, version: found.stdout.trim() };
}
