/**
 * Finds the `python3` the lab runs its Python counterparts with.
 *
 * @module
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";

/** The note shown (once per experiment) when no `python3` is on PATH. */
export const PYTHON_MISSING = "python3 not found: Python columns skipped";

/**
 * The first executable `python3` on `PATH`, or `null` when there is none.
 *
 * @param env The environment whose `PATH` is searched. Default: `process.env`.
 *
 * Python: `shutil.which("python3")`.
 *
 * @example Finding python3
 * ```ts
 * const python = await findPython();
 * console.log(python ?? PYTHON_MISSING);
 * ```
 */
export async function findPython(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "python3");
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next folder
    }
  }
  return null;
}
