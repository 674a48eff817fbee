import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./fixtures/shape-after-gc.js", import.meta.url));
const major = Number(process.versions.node.split(".")[0]);

/** Runs the fixture under `--trace-deopt`; the names of the functions V8 drops at the forced GC because a class died. */
function dropped(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "--trace-deopt", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`the fixture exited with ${code ?? signal}:\n${stderr}`));
      const start = stdout.indexOf("GC-BEGIN\n");
      const end = stdout.indexOf("GC-END\n");
      if (start < 0 || end < start) return reject(new Error(`no GC markers in the output:\n${stdout.slice(0, 2000)}`));
      const names = [...stdout.slice(start, end).matchAll(/<SharedFunctionInfo ([^>]*)>.*reason: embedded weak objects cleared/g)];
      resolve(names.map((m) => m[1] as string));
    });
  });
}

describe("a full GC between tasks", () => {
  it("drops none of juggle's optimized code (the classes of the pool's Job and Outbox and of map's run stay alive)", async () => {
    const names = await dropped();
    // V8 12 (Node 22) drops no code for a dead class; from Node 24 on it does, as the control shows.
    if (major >= 24) assert.ok(names.includes("Control"), `the control class's code is dropped, so the trace works: ${names.join(", ")}`);
    assert.deepEqual(
      names.filter((n) => n !== "Control"),
      [],
      "functions of juggle whose optimized code a full GC dropped",
    );
  });
});
