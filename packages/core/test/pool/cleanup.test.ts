import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./fixtures/leak-scenario.js", import.meta.url));

/** Runs the scenario in its own process; resolves with its exit code and output, or kills it after `ms`. */
function run(kind: string, ms = 60_000): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, kind], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, ms);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

describe("executor cleanup", () => {
  for (const kind of ["thread", "process", "inline"]) {
    it(`after close()+join() and terminate(), a program using a ${kind} executor exits by itself`, async () => {
      const result = await run(kind);
      assert.equal(result.timedOut, false, `the process did not exit by itself; stderr:\n${result.stderr}`);
      assert.equal(result.code, 0, result.stderr);
      const left = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "[]") as string[];
      assert.deepEqual(
        // Standard streams may show up as handles; nothing else may.
        left.filter((r) => r !== "TTYWrap" && r !== "PipeWrap"),
        [],
        "no timer, worker, child process or handle is left",
      );
    });
  }
});
