/**
 * `ThreadPool`: tasks run on worker threads (true parallelism: a worker
 * thread has its own V8 isolate and event loop, there is no GIL).
 *
 * @module
 */
import { type ResourceLimits, Worker } from "node:worker_threads";
import { checkOptions, describe } from "../internal/validate.js";
import type { WorkerPoolOptions } from "./pool-options.js";
import { soloRun } from "./solo-wire.js";
import { WorkerPool } from "./worker-pool.js";
import type { WorkerEvents, WorkerTransport } from "./worker-slot.js";

/** Options for {@link ThreadPool}. */
export interface ThreadPoolOptions extends WorkerPoolOptions {
  /** Heap and stack limits of each worker thread; a worker over them crashes and is replaced. */
  resourceLimits?: ResourceLimits;
}

const entry = new URL("./worker-entry.js", import.meta.url);

/**
 * A pool of worker threads with the executor interface: `submit`, `run`,
 * `map`, `starmap`, `imap`, `imapUnordered`, `applyAsync`, `stats`,
 * `close`/`join`/`terminate` and `await using`. Tasks are module exports
 * referenced with `tasks()`; arguments and results are copied with the
 * structured clone algorithm (SharedArrayBuffers and juggle's shared-memory
 * objects are shared, `transfer` moves buffers).
 *
 * Workers start on demand, up to `workers`. A worker that dies fails only the
 * task it was running (`WorkerCrashedError` with its exit code) and is
 * replaced; tasks it had not started run elsewhere.
 *
 * Python: `multiprocessing.pool.ThreadPool` / `concurrent.futures.ThreadPoolExecutor`
 * (with real parallelism).
 *
 * @example Squaring numbers on two threads
 * ```ts
 * import { ThreadPool, tasks } from "juggle-core";
 * const t = tasks<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 * await using pool = new ThreadPool({ workers: 2 });
 * console.log(await pool.submit(t.square, 3)); // 9
 * console.log(await pool.map(t.square, [1, 2, 3])); // [1, 4, 9]
 * ```
 */
export class ThreadPool extends WorkerPool {
  readonly #resourceLimits: ResourceLimits | undefined;

  /**
   * @throws {RangeError} When `workers`, `maxTasksPerChild`, `idleTimeout`, `retries` or `abortGrace` is out of range.
   * @throws {TypeError} When an option has the wrong type.
   */
  constructor(options?: ThreadPoolOptions) {
    const o = checkOptions<ThreadPoolOptions>("create ThreadPool", options);
    super("ThreadPool", o);
    if (o.resourceLimits !== undefined && (o.resourceLimits === null || typeof o.resourceLimits !== "object")) {
      throw new TypeError(
        `Cannot create ThreadPool as 'resourceLimits' must be an object: received ${describe(o.resourceLimits)}`,
      );
    }
    this.#resourceLimits = o.resourceLimits;
  }

  protected get sharesMemory(): boolean {
    return true;
  }

  protected get maxDepth(): number {
    return 2048;
  }

  protected spawnWorker(events: WorkerEvents): WorkerTransport {
    const worker = new Worker(entry, { resourceLimits: this.#resourceLimits });
    // A lone job travels as one string, a lone primitive result as itself (see solo-wire.ts).
    worker.on("message", events.message);
    worker.on("error", events.error);
    worker.on("exit", (code) => events.exit(code, null));
    return {
      id: `thread-${worker.threadId}`,
      post: (message, transfer) => worker.postMessage(soloRun(message, transfer) ?? message, transfer),
      kill: () => {
        void worker.terminate();
      },
      terminate: () => {
        void worker.terminate();
      },
    };
  }
}
