/**
 * `ProcessQueue`: a FIFO queue shared by processes, Python's
 * `multiprocessing.Queue` for Node (child processes share no memory, so this
 * is the process counterpart of the shared-memory `SharedQueue`).
 *
 * @module
 */
import { QueueShutDown } from "../internal/errors.js";
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { checkInteger, checkMilliseconds, checkOptions, checkSignal, describe, given } from "../internal/validate.js";
import { clientFor, type QueueClient } from "./process-queue-client.js";
import { type QueueAddress, QueueOwner } from "./process-queue-owner.js";
import { decodeItem, encodeItem } from "./process-queue-wire.js";
import type { WaitOptions } from "./wait.js";
import { untilShutDown } from "../internal/drain.js";

const KEY = "juggle/shared-memory:ProcessQueue";

/** Options of {@link ProcessQueue}. */
export interface ProcessQueueOptions {
  /**
   * The most items a consuming process holds ahead of its getters (default
   * 64). They spare it a round trip per item. Its window starts at 1 and
   * doubles, up to this, each time a get finds nothing there while items are
   * on their way (it takes faster than a round trip), so a consumer of long
   * tasks holds one item ahead, a fast one many. Held items go back to the
   * queue when the process exits, dies or stops getting for a moment; while
   * it is busy in a long synchronous task they wait for it. `0`: a process
   * receives only the items its getters asked for.
   */
  prefetch?: number;
}

/** What {@link ProcessQueue.tryGet} returns. */
export type ProcessQueueTryGet<T> = { state: "ok"; value: T } | { state: "empty" } | { state: "closed" };

interface Wire {
  address: QueueAddress;
  prefetch: number;
}

const RESOLVED = Promise.resolve();
let reviving: QueueClient | undefined;

function waitArgs(action: string, options: WaitOptions | undefined): { timeout: number | null; signal: AbortSignal | undefined } {
  if (options === undefined) return { timeout: null, signal: undefined };
  const o = checkOptions<WaitOptions>(action, options);
  const signal = checkSignal(action, o.signal);
  const timeout = o.timeout === undefined ? null : checkMilliseconds(action, "timeout", o.timeout, { allowInfinity: true });
  return { timeout, signal };
}

/**
 * A FIFO queue for processes: create it in one process (its owner, which
 * holds the items), pass it to child processes as an ordinary argument of a
 * `Process` target or a `ProcessPool` task, and `put`/`get` from any of them.
 * Items are any structured-clonable values (copied, as Python pickles them).
 *
 * Delivery: every item put is taken by exactly one `get`/`tryGet`, in one
 * process. One consumer takes one producer's items in the order they were
 * put (across consumers there is no order, as in Python). An
 * item taken by a process that then dies is gone (as in Python); an item it
 * had received but not taken (see `prefetch`) goes back to the queue, so a
 * consumer killed mid-`get` loses nothing. A `put` in a process other than
 * the owner returns at once (unless its socket is backed up) and the item
 * leaves with the same tick's other puts, in one write, also when the
 * process exits; it reaches the owner a moment later (use `get`, not
 * `tryGet`, to wait for it).
 *
 * `close()` (from any process) ends the queue: puts are refused from then on
 * (in another process, from the moment it learns of it), getters take what
 * is left, then every waiting and later `get` rejects with `QueueShutDown`,
 * and async iteration ends. The owner then stops its server and removes its
 * socket file. `[Symbol.dispose]` in the owner closes at once, dropping what
 * is left. If the owner exits or is killed, getters elsewhere reject with
 * `QueueShutDown` too. Poison pills work as in Python: put one per consumer.
 *
 * Python: `multiprocessing.Queue` (`put`, `get(timeout=)`, `get_nowait()`,
 * and `close()` with the meaning of `queue.Queue.shutdown()`).
 *
 * @example Two child processes take numbers until their poison pill
 * ```ts
 * import { Process, tasks } from "juggle-core";
 * import { ProcessQueue } from "juggle-core/shared-memory";
 * // worker.ts: export async function square(jobs, results) {
 * //   for (let n = await jobs.get(); n !== -1; n = await jobs.get()) await results.put(n * n);
 * // }
 * const t = tasks<typeof import("./worker.js")>(new URL("./worker.js", import.meta.url));
 * const jobs = new ProcessQueue<number>();
 * const results = new ProcessQueue<number>();
 * const procs = [1, 2].map(() => new Process({ target: t.square, args: [jobs, results] }));
 * for (const p of procs) p.start();
 * for (let n = 1; n <= 10; n++) await jobs.put(n);
 * for (const _ of procs) await jobs.put(-1);
 * let sum = 0;
 * for (let i = 0; i < 10; i++) sum += await results.get();
 * console.log(sum); // 385
 * ```
 */
export class ProcessQueue<T = unknown> {
  readonly #owner: QueueOwner | undefined;
  readonly #client: QueueClient | undefined;
  readonly #prefetch: number;

  /**
   * Creates a queue owned by this process.
   *
   * @throws {TypeError} When `options` is not an object or `prefetch` not a number.
   * @throws {RangeError} When `prefetch` is negative or fractional.
   */
  constructor(options?: ProcessQueueOptions) {
    if (reviving !== undefined) {
      this.#client = reviving;
      this.#prefetch = 0;
      return;
    }
    const o = checkOptions<ProcessQueueOptions>("create ProcessQueue", options);
    this.#prefetch = checkInteger("create ProcessQueue", "prefetch", given(o.prefetch, 64), { max: 1 << 20 });
    this.#owner = new QueueOwner();
  }

  /** Whether this process knows the queue is closed. */
  get closed(): boolean {
    return this.#owner?.closed ?? (this.#client as QueueClient).closed;
  }

  /**
   * Puts `item`. The queue has no size limit: in the owner this never
   * waits; in another process it waits only while the connection is being
   * made or its socket is backed up (so awaited puts are on their way before
   * the process exits).
   *
   * @throws {TypeError} When `item` cannot be copied to another process (a function, a symbol…).
   * @throws {QueueShutDown} When the queue is closed.
   */
  put(item: T, options?: WaitOptions): Promise<void> {
    try {
      if (options !== undefined) waitArgs("put in ProcessQueue", options).signal?.throwIfAborted();
      let bytes: Buffer;
      try {
        bytes = encodeItem(item);
      } catch (error) {
        throw new TypeError(`Cannot put item in ProcessQueue as it cannot be sent to another process: received ${describe(item)}`, {
          cause: error,
        });
      }
      if (this.#owner !== undefined) this.#owner.put(bytes);
      else return (this.#client as QueueClient).put(bytes) ?? RESOLVED;
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Takes the oldest item, waiting while the queue is empty. An aborted or
   * timed-out get takes nothing.
   *
   * @throws {QueueShutDown} When the queue is closed and empty (or its owner is gone).
   * @throws {TimeoutError} When `timeout` runs out first.
   */
  get(options?: WaitOptions): Promise<T> {
    try {
      const { timeout, signal } = waitArgs("get from ProcessQueue", options);
      signal?.throwIfAborted();
      const end = this.#owner ?? (this.#client as QueueClient);
      const item = end.take();
      if (item !== undefined) return Promise.resolve(decodeItem(item) as T);
      const gone = this.#owner === undefined ? (this.#client as QueueClient).finished : this.#owner.drained ? this.#shutDown() : undefined;
      if (gone !== undefined) return Promise.reject(gone);
      return end.wait(timeout, signal).then(decodeItem) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #shutDown(): QueueShutDown {
    return new QueueShutDown("Cannot get from ProcessQueue as it is closed");
  }

  /**
   * Takes an item that is here now, without waiting. In the owner that is
   * the queue's oldest item; in another process, one that has reached it (the
   * first try may answer `empty` while the owner holds items: it asks for
   * some, and a later try finds them). Python: `get_nowait()`.
   */
  tryGet(): ProcessQueueTryGet<T> {
    const item = this.#owner !== undefined ? this.#owner.take() : (this.#client as QueueClient).poll();
    if (item !== undefined) return { state: "ok", value: decodeItem(item) as T };
    const done = this.#owner !== undefined ? this.#owner.drained : (this.#client as QueueClient).finished !== undefined;
    return done ? { state: "closed" } : { state: "empty" };
  }

  /**
   * Closes the queue (see the class): puts are refused, getters drain what is
   * left. Idempotent. Takes effect at once in the owner; in another process
   * the promise resolves once the request is on its way.
   */
  close(): Promise<void> {
    if (this.#owner !== undefined) this.#owner.close();
    else return (this.#client as QueueClient).close() ?? RESOLVED;
    return RESOLVED;
  }

  /** Iterates until the queue is closed and drained. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return untilShutDown(() => this.get());
  }

  /**
   * In the owner: closes at once, dropping the items left, failing getters,
   * and removes the socket file. Elsewhere: the same as `close()`.
   */
  [Symbol.dispose](): void {
    if (this.#owner !== undefined) this.#owner.dispose();
    else void this.close();
  }

  /** @internal The descriptor another process rebuilds the queue from: its socket path and key. */
  [shareable](): SharedDescriptor {
    const state: Wire =
      this.#owner !== undefined
        ? { address: this.#owner.address(), prefetch: this.#prefetch }
        : { address: (this.#client as QueueClient).address, prefetch: (this.#client as QueueClient).prefetch };
    return { $shared: KEY, module: import.meta.url, state };
  }
}

registerReviver(KEY, (state) => {
  const { address, prefetch } = state as Wire;
  reviving = clientFor(address, prefetch);
  try {
    return new ProcessQueue();
  } finally {
    reviving = undefined;
  }
});
