/** Test helper: `juggle worker` child processes, each stopped by the test. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { onTermination } from "juggle-testing/redis-server";

export const cli = fileURLToPath(new URL("../src/cli.js", import.meta.url));
export const tasksModule = new URL("./fixtures/tasks.js", import.meta.url);

/**
 * Polls `check` every 20 ms until it holds, failing after `ms`: a bounded
 * wait for a state another process reaches, not a sleep that orders events.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the worker printed so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | string>;
}

/** Starts `juggle worker` on `url`; resolves once it logs that it is ready. */
export function startWorker(url: string, args: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [cli, "worker", "--redis", url, "--tasks", fileURLToPath(tasksModule), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  // If the test process exits without stopping the worker, the worker goes with it.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const unregister = onTermination(killOnExit);
  child.once("exit", () => {
    process.off("exit", killOnExit);
    unregister();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`worker did not become ready: ${output}`));
    }, 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(" ready on ")) {
        clearTimeout(timer);
        resolve({
          child,
          pid: child.pid as number,
          output: () => output,
          exited,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            // A task that never ends keeps a graceful worker alive: stop it
            // at once after a bound.
            const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
            try {
              return await exited;
            } finally {
              clearTimeout(timer);
            }
          },
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it was ready: ${output}`));
    }, reject);
  });
}
