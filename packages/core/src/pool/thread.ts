/**
 * `Thread`: one task run in its own worker thread, with the lifecycle of
 * Python's `threading.Thread`.
 *
 * @module
 */
import { type ResourceLimits, Worker } from "node:worker_threads";
import { describe } from "../internal/validate.js";
import { invalidState, Runnable, type RunnableOptions, type TargetOutcome, type TargetRequest } from "./runnable.js";
import type { TaskArgs, TaskRef } from "../executor/task.js";

/** `args` is required when the target has required parameters. */
export type ArgsOption<T extends TaskRef> = [] extends TaskArgs<T> ? { args?: TaskArgs<T> } : { args: TaskArgs<T> };

/** Options of `new Thread()`. */
export interface ThreadOptions<T extends TaskRef = TaskRef> extends RunnableOptions<T> {
  /** Called when the target throws. Default: prints `Exception in thread <name>:` and the stack to stderr. */
  excepthook?(error: Error, thread: Thread<T>): void;
  /** Heap and stack limits of the worker thread (Node's `resourceLimits`). */
  resourceLimits?: ResourceLimits;
}

const entry = new URL("./target-entry.js", import.meta.url);
let counter = 0;

/**
 * Runs a task in a new worker thread: true parallelism (a worker thread has
 * its own event loop and no GIL), with the lifecycle of Python's
 * `threading.Thread`. The target is a task reference; its arguments are
 * copied (SharedArrayBuffers and juggle's shared-memory objects are shared).
 *
 * - `start()` starts it (once); `join(timeout?)` waits for it to end.
 * - A daemon thread does not keep the program alive; a non-daemon one does
 *   until its target returns.
 * - The thread ends when the target returns (or its promise settles), even
 *   if the target left timers or sockets open.
 * - The target's return value is `result` after the join; if it throws, the
 *   error (name, message, stack, code, own properties) is `error`, and the
 *   `excepthook` prints it.
 * - What the target prints appears in this process's stdout and stderr.
 *
 * @example Starting a thread and joining it
 * ```ts
 * import { Thread, tasks } from "juggle-core";
 * const t = tasks<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 *
 * const thread = new Thread({ target: t.square, args: [7], name: "squarer" });
 * thread.start();
 * await thread.join();
 * console.log(thread.isAlive, thread.result); // false 49
 * ```
 *
 * @example A daemon thread does not keep the program alive
 * ```ts
 * new Thread({ target: t.cleanForever, daemon: true }).start();
 * console.log("done"); // the program exits here, ending the thread
 * ```
 *
 * Python: `threading.Thread(target=, args=, name=, daemon=)`.
 */
export class Thread<T extends TaskRef = TaskRef> extends Runnable<T> {
  #worker: Worker | undefined;
  // worker.threadId becomes -1 once the worker has exited; Python keeps
  // native_id, so keep it here.
  #threadId: number | null = null;
  readonly #resourceLimits: ResourceLimits | undefined;

  /**
   * @throws {TypeError} When an option has the wrong type or an argument
   *   cannot be sent to a worker thread (naming `args[i]`).
   */
  constructor(options: ThreadOptions<T> & ArgsOption<T>) {
    super("Thread", options, (target) => `Thread-${++counter} (${target.name})`);
    const limits = options.resourceLimits;
    if (limits !== undefined && (limits === null || typeof limits !== "object")) {
      throw new TypeError(`Cannot create Thread as 'resourceLimits' must be an object: received ${describe(limits)}`);
    }
    this.#resourceLimits = limits;
  }

  protected override cloneForWorker(value: unknown): void {
    structuredClone(value);
  }

  protected override workerKind(): string {
    return "a worker thread";
  }

  protected override launch(): void {
    const request: TargetRequest = {
      type: "run",
      target: { module: this.target.module, name: this.target.name },
      args: this.args,
      name: this.name,
      daemon: this.daemon,
    };
    const worker = new Worker(entry, {
      workerData: request,
      ...(this.env === undefined ? {} : { env: this.env }),
      ...(this.#resourceLimits === undefined ? {} : { resourceLimits: this.#resourceLimits }),
    });
    this.#worker = worker;
    this.#threadId = worker.threadId;
    worker.on("message", (message: TargetOutcome) => {
      if (message?.type !== "done") {
        this.fail(new Error(`Cannot understand message from thread '${this.name}': ${describe(message)}`));
        void worker.terminate();
        return;
      }
      this.settle(message);
      worker.postMessage("ack");
    });
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.exited(code));
    if (this.daemon) worker.unref();
  }

  protected override keepAlive(on: boolean): void {
    if (on) this.#worker?.ref();
    else this.#worker?.unref();
  }

  protected override printError(error: Error): void {
    process.stderr.write(`Exception in thread ${this.name}:\n${error.stack ?? String(error)}\n`);
  }

  /** The worker thread's id (`worker.threadId`): `null` before `start()`. Python: `native_id`. */
  get threadId(): number | null {
    return this.#threadId;
  }

  /**
   * Stops the worker thread at once (its exit code becomes 1). Does nothing
   * once the thread has ended; `join()` to wait for it.
   *
   * @throws {JuggleError} `ERR_JUGGLE_INVALID_STATE` when not started.
   */
  terminate(): void {
    if (!this.started) throw invalidState(`Cannot terminate '${this.name}' as it has not been started`);
    if (this.isAlive) void this.#worker?.terminate();
  }

  /** Same as {@link Thread.terminate}: a worker thread has only one way to stop. */
  kill(): void {
    this.terminate();
  }
}
