/**
 * `ProcessPool`: tasks run in child processes started with
 * `child_process.fork`, using the `"advanced"` (structured clone)
 * serialization so that arguments and results behave as in `ThreadPool`.
 *
 * @module
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { checkOptions } from "../internal/validate.js";
import type { WorkerPoolOptions } from "./pool-options.js";
import { openTakeBack, takeBackFork } from "./process-take-back.js";
import { WorkerPool } from "./worker-pool.js";
import type { WorkerEvents, WorkerTransport } from "./worker-slot.js";

/** Options for {@link ProcessPool}. */
export interface ProcessPoolOptions extends WorkerPoolOptions {}

const entry = fileURLToPath(new URL("./worker-entry.js", import.meta.url));

/** Flags of this process that a worker process must not inherit. */
function childExecArgv(): string[] {
  return process.execArgv.filter((arg) => !/^--(test|inspect|watch|prof|cpu-prof|heap-prof)/.test(arg));
}

/**
 * A pool of child processes with the executor interface (see `ThreadPool`).
 * Each worker is a separate Node.js process: it shares no memory with the
 * pool (SharedArrayBuffers are copied, `transfer` is ignored), costs more to
 * start and to message, and isolates crashes and native state completely. A
 * worker process posts each result as soon as its task ends, so when it dies
 * (`process.exit`, an uncaught error, SIGKILL) the pool knows which task was
 * running (that one fails) and which it had not started (those run elsewhere).
 * An idle worker takes back the tasks a busy one holds and has not started,
 * even while that one runs a synchronous loop (see `process-take-back.ts`).
 *
 * Python: `multiprocessing.Pool` / `concurrent.futures.ProcessPoolExecutor`.
 *
 * @example CPU-bound work in two processes
 * ```ts
 * import { ProcessPool, tasks } from "juggle-core";
 * const t = tasks<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 * await using pool = new ProcessPool({ workers: 2 });
 * console.log(await pool.map(t.isPrime, [2, 3, 4, 5])); // [true, true, false, true]
 * ```
 */
export class ProcessPool extends WorkerPool {
  /**
   * @throws {RangeError} When `workers`, `maxTasksPerChild`, `idleTimeout`, `retries` or `abortGrace` is out of range.
   * @throws {TypeError} When an option has the wrong type.
   */
  constructor(options?: ProcessPoolOptions) {
    super("ProcessPool", checkOptions<ProcessPoolOptions>("create ProcessPool", options));
  }

  protected get sharesMemory(): boolean {
    return false;
  }

  protected get maxDepth(): number {
    return 64;
  }

  protected spawnWorker(events: WorkerEvents): WorkerTransport {
    const { args, stdio } = takeBackFork;
    const child = fork(entry, args, { serialization: "advanced", execArgv: childExecArgv(), stdio });
    child.on("message", events.message as (message: unknown) => void);
    child.on("error", (error: NodeJS.ErrnoException) => {
      // Writing to a child that is dying fails with EPIPE (or a closed
      // channel): a symptom of its exit, which says what happened, not a cause.
      if (error?.code === "EPIPE" || error?.code === "ERR_IPC_CHANNEL_CLOSED") return;
      events.error(error);
    });
    // "close", not "exit": by then the process handle itself is closed too.
    child.on("close", (code, signal) => events.exit(code, signal));
    return {
      id: `process-${child.pid}`,
      takeBack: openTakeBack(child, events),
      post: (message) => {
        // A dead child's exit event sorts out the jobs it held.
        if (child.connected) child.send(message);
      },
      kill: () => {
        child.kill("SIGKILL");
      },
      terminate: () => {
        child.kill("SIGTERM");
      },
    };
  }
}
