import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Manager } from "../../src/shared-memory/index.js";

const owner = fileURLToPath(new URL("./fixtures/manager-owner.js", import.meta.url));

/** Runs the owner program; resolves with the socket path it printed and a promise of its exit. */
async function runOwner(how: "exit" | "throw" | "hang"): Promise<{ path: string; exited: Promise<unknown>; kill(): void }> {
  const child = spawn(process.execPath, [owner, how], { stdio: ["ignore", "pipe", "ignore"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let output = "";
  const path = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("\n")) resolve(output.trim());
    });
    child.once("exit", () => reject(new Error(`the owner exited before printing its socket: ${output}`)));
  });
  return { path, exited, kill: () => child.kill("SIGKILL") };
}

describe("Manager socket file", () => {
  for (const how of ["exit", "throw"] as const) {
    it(`is removed when its process ends by ${how === "exit" ? "process.exit()" : "an uncaught error"}`, async () => {
      const { path, exited } = await runOwner(how);
      await exited;
      assert.equal(existsSync(path), false, `${path} was left behind`);
    });
  }

  it("left behind by a process killed with SIGKILL, is removed by the next Manager.start()", async () => {
    const { path, exited, kill } = await runOwner("hang");
    assert.equal(existsSync(path), true);
    kill();
    await exited;
    assert.equal(existsSync(path), true, "SIGKILL runs no exit hook: the file stays until the next start");
    await using manager = await Manager.start({ transport: "unix" });
    assert.equal(existsSync(path), false, `${path} was not swept`);
    assert.ok(existsSync((manager.address as { path: string }).path));
  });

  it("of a live process is not swept by another manager", async () => {
    const { path, exited, kill } = await runOwner("hang");
    try {
      await using _manager = await Manager.start({ transport: "unix" });
      assert.equal(existsSync(path), true);
    } finally {
      kill();
      await exited;
    }
    await using _next = await Manager.start({ transport: "unix" });
  });
});
