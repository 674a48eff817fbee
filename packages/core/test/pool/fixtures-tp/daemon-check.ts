/**
 * Runs daemon-main.js in a child node process and observes whether it exits
 * by itself once its main module is done. Every wait is bounded: a program
 * still running after the bound is killed and reported as `exitCode: null`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { openGate } from "./gate.js";

const script = fileURLToPath(new URL("./daemon-main.js", import.meta.url));
const BOUND_MS = 30_000;

export interface DaemonRun {
  exitCode: number | null;
  stdout: string;
  /** The target was running (connected to the gate) before main was done. */
  targetConnected: boolean;
  /** The program was still running when the test released the target. */
  releasedAfterMainDone: boolean;
  /** The target's connection was closed: nothing of it is left running. */
  targetGone: boolean;
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

export async function runDaemonScript(kind: "thread" | "process", mode: "daemon" | "normal" | "join"): Promise<DaemonRun> {
  const gate = await openGate();
  const child = spawn(process.execPath, [script, kind, mode, String(gate.port)], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = once(child, "exit");
  let stdout = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
  });
  const run: DaemonRun = { exitCode: null, stdout: "", targetConnected: false, releasedAfterMainDone: false, targetGone: false };
  try {
    run.targetConnected = (await within(gate.arrived(1), BOUND_MS)) !== "timeout";
    child.stdin.write("finish\n");
    if (mode !== "daemon") {
      // Wait until main has printed "main done", then release the target: the
      // program can only print the target's line if it is still alive.
      await within(
        new Promise<void>((resolve) => {
          const check = (): void => {
            if (stdout.includes("main done")) {
              child.stdout.off("data", check);
              resolve();
            }
          };
          child.stdout.on("data", check);
          check();
        }),
        BOUND_MS,
      );
      run.releasedAfterMainDone = child.exitCode === null && child.signalCode === null;
      gate.release("go");
    }
    const result = await within(exited, BOUND_MS);
    if (result !== "timeout") run.exitCode = child.exitCode;
    run.targetGone = (await within(gate.departed(1), BOUND_MS)) !== "timeout";
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    await gate.close();
  }
  run.stdout = stdout;
  return run;
}
