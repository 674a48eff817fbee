import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { processExists as alive } from "../../src/internal/stale-files.js";

/** Starts a fixture program and resolves with the pid its pool worker announces. */
function startParent(fixture: string): { parent: ReturnType<typeof spawn>; worker: Promise<number> } {
  const parent = spawn(process.execPath, [fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const worker = new Promise<number>((resolve, reject) => {
    parent.stdout?.on("data", (chunk) => {
      output += chunk;
      const match = /started (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    parent.once("exit", () => reject(new Error(`the parent exited before its worker started: ${output}`)));
  });
  return { parent, worker };
}

/** Polls until `pid` is gone or `bound` ms have passed; returns how long it took, or undefined. */
async function goneWithin(pid: number, bound: number): Promise<number | undefined> {
  const start = performance.now();
  while (performance.now() - start < bound) {
    if (!alive(pid)) return performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return alive(pid) ? undefined : performance.now() - start;
}

for (const [title, fixture] of [
  ["a ProcessPool worker", "orphan-spinner.js"],
  ["a daemon Process", "orphan-daemon.js"],
] as const) {
  describe(`${title} orphaned`, () => {
    it("spinning in a synchronous loop, it dies soon after its parent is killed with SIGKILL", async (t) => {
      const { parent, worker } = startParent(fixture);
      const pid = await worker;
      assert.equal(alive(pid), true);
      parent.kill("SIGKILL");
      // A bound generous for a loaded 2-core machine, not a timing assertion:
      // the watchdog checks every 200 ms.
      const delay = await goneWithin(pid, 10_000);
      if (delay === undefined) process.kill(pid, "SIGKILL");
      assert.notEqual(delay, undefined, "the spinning child outlived its killed parent by 10 s");
      t.diagnostic(`child gone ${Math.round(delay as number)} ms after the parent's SIGKILL`);
    });
  });
}
