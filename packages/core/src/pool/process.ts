/**
 * `Process`: one task run in its own child process, with the lifecycle of
 * Python's `multiprocessing.Process`.
 *
 * @module
 */
import { type ChildProcess, fork } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { serialize } from "node:v8";
import { describe } from "../internal/validate.js";
import { invalidState, Runnable, type RunnableOptions, type TargetOutcome, type TargetRequest } from "./runnable.js";
import type { TaskRef } from "../executor/task.js";
import type { ArgsOption } from "./thread.js";

/** Options of `new Process()`. */
export interface ProcessOptions<T extends TaskRef = TaskRef> extends RunnableOptions<T> {
  /** Called when the target throws. Default: prints `Exception in process <name>:` and the stack to stderr. */
  excepthook?(error: Error, process: Process<T>): void;
  /** Node options of the child (e.g. `["--import", "tsx"]`). Default: this process's `process.execArgv`. */
  execArgv?: readonly string[];
}

const entry = fileURLToPath(new URL("./target-entry.js", import.meta.url));
let counter = 0;

// Python terminates daemonic children when their parent exits. The listener
// is installed only while a daemon child runs.
const daemons = new Set<ChildProcess>();
function terminateDaemons(): void {
  for (const child of daemons) child.kill("SIGTERM");
}
function trackDaemon(child: ChildProcess): void {
  if (daemons.size === 0) process.on("exit", terminateDaemons);
  daemons.add(child);
}
function untrackDaemon(child: ChildProcess): void {
  if (daemons.delete(child) && daemons.size === 0) process.off("exit", terminateDaemons);
}

/**
 * Runs a task in a new child process (`child_process.fork` with the
 * `"advanced"` serialization, so Maps, Sets, typed arrays, Dates and errors
 * travel), with the lifecycle of Python's `multiprocessing.Process`.
 *
 * - `start()` starts it (once); `join(timeout?)` waits for it to end.
 * - `exitCode` is `null` while it runs, `0` after the target returned, `1`
 *   after it threw, and `-N` when signal N ended it (as in Python).
 * - `terminate()` sends SIGTERM, `kill()` SIGKILL.
 * - A daemon process does not keep the program alive and is terminated
 *   when the program exits; a non-daemon one keeps it alive until it ends.
 * - The child's stdin is ignored; its stdout and stderr are this process's.
 *
 * @example Running a task in a child process
 * ```ts
 * import { Process, tasks } from "juggle-core";
 * const t = tasks<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 *
 * const p = new Process({ target: t.square, args: [7] });
 * p.start();
 * console.log(p.pid, p.isAlive); // 12345 true
 * await p.join();
 * console.log(p.exitCode, p.result); // 0 49
 * ```
 *
 * Python: `multiprocessing.Process(target=, args=, name=, daemon=)`.
 */
export class Process<T extends TaskRef = TaskRef> extends Runnable<T> {
  #child: ChildProcess | undefined;
  #signal: NodeJS.Signals | null = null;
  readonly #execArgv: readonly string[] | undefined;

  /**
   * @throws {TypeError} When an option has the wrong type or an argument
   *   cannot be sent to a child process (naming `args[i]`).
   */
  constructor(options: ProcessOptions<T> & ArgsOption<T>) {
    super("Process", options, () => `Process-${++counter}`);
    const execArgv = options.execArgv;
    if (execArgv !== undefined && (!Array.isArray(execArgv) || execArgv.some((a) => typeof a !== "string"))) {
      throw new TypeError(`Cannot create Process as 'execArgv' must be an array of strings: received ${describe(execArgv)}`);
    }
    this.#execArgv = execArgv;
  }

  protected override cloneForWorker(value: unknown): void {
    serialize(value);
  }

  protected override workerKind(): string {
    return "a child process";
  }

  protected override launch(): void {
    const child = fork(entry, [], {
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: this.env ?? process.env,
      execArgv: [...(this.#execArgv ?? process.execArgv)],
    });
    this.#child = child;
    const request: TargetRequest = {
      type: "run",
      target: { module: this.target.module, name: this.target.name },
      args: this.args,
      name: this.name,
      daemon: this.daemon,
    };
    child.on("message", (message: TargetOutcome) => {
      if (message?.type !== "done") {
        this.fail(new Error(`Cannot understand message from process '${this.name}': ${describe(message)}`));
        child.kill("SIGKILL");
        return;
      }
      this.settle(message);
    });
    child.on("error", (error) => {
      // Spawning failed (no 'close' follows), or a signal could not be sent.
      if (child.pid === undefined) {
        this.fail(error);
        this.exited(1);
      }
    });
    child.on("close", (code, signal) => {
      untrackDaemon(child);
      this.#signal = signal;
      this.exited(code ?? -(signal === null ? 0 : constants.signals[signal]));
    });
    // A send that fails means the child is already gone: 'close' reports it.
    child.send(request, (error) => {
      if (error) child.kill("SIGKILL");
    });
    if (this.daemon) {
      child.unref();
      child.channel?.unref();
      trackDaemon(child);
    }
  }

  protected override keepAlive(on: boolean): void {
    const child = this.#child;
    if (child === undefined) return;
    if (on) {
      child.ref();
      child.channel?.ref();
    } else {
      child.unref();
      child.channel?.unref();
    }
  }

  protected override printError(error: Error): void {
    process.stderr.write(`Exception in process ${this.name}:\n${error.stack ?? String(error)}\n`);
  }

  /** The child's process id: `null` before `start()`. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** The name of the signal that ended the child (`"SIGTERM"`…), or `null`. */
  get signalCode(): NodeJS.Signals | null {
    return this.#signal;
  }

  #send(signal: NodeJS.Signals, action: string): void {
    if (!this.started) throw invalidState(`Cannot ${action} '${this.name}' as it has not been started`);
    const child = this.#child;
    if (this.isAlive && child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
  }

  /**
   * Sends SIGTERM to the child. Does nothing once it has ended; `join()` to
   * wait for it.
   *
   * @throws {JuggleError} `ERR_JUGGLE_INVALID_STATE` when not started.
   */
  terminate(): void {
    this.#send("SIGTERM", "terminate");
  }

  /**
   * Sends SIGKILL to the child, which cannot catch it.
   *
   * @throws {JuggleError} `ERR_JUGGLE_INVALID_STATE` when not started.
   */
  kill(): void {
    this.#send("SIGKILL", "kill");
  }
}
