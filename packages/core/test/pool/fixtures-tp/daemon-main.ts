/**
 * Run as a program by the daemon tests:
 *   node daemon-main.js <thread|process> <daemon|normal|join> <port>
 * Starts a Thread or Process whose target waits for the test's "go" on a
 * socket, then, when the test writes a line to stdin (once the target is
 * running), prints "main done" and lets go of stdin: the main module has
 * nothing left to do. Whether the program then exits by itself is what the
 * tests observe. In "join" mode the runner is a daemon that main then
 * awaits with join(), which must keep the program alive.
 */
import { Process } from "../../../src/pool/process.js";
import { task } from "../../../src/executor/task.js";
import { Thread } from "../../../src/pool/thread.js";
import type { waitForGo } from "./targets.js";

const [kind, mode, port] = process.argv.slice(2);
const target = task<typeof waitForGo>(new URL("./targets.js", import.meta.url), "waitForGo");
const options = { target, args: [Number(port)] as [number], daemon: mode !== "normal" };
const runner = kind === "process" ? new Process(options) : new Thread(options);
runner.start();
process.stdin.once("data", () => {
  process.stdin.destroy();
  console.log("main done");
  if (mode === "join") {
    void runner.join().then(() => console.log("joined"));
  }
});
