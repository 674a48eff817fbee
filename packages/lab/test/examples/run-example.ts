/** Runs a compiled example in a child node process (bounded) and returns its output. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export async function runExample(name: string, args: string[] = []): Promise<{ stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
  // A program that does not exit by itself is killed at the bound, and
  // execFile rejects: that is a failure of the test.
  return promisify(execFile)(process.execPath, [script, ...args], { timeout: 60_000 });
}
