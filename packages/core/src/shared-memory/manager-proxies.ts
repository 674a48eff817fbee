/**
 * Proxies to the objects a `Manager` serves. They have the interfaces of the
 * shared-memory objects, made async (every call is a round trip to the
 * manager), and they are shareable: pass one to a child process (a
 * `ProcessPool` task, a `Process` target, or your own `fork` with
 * `decodeShared`) and it connects to the manager by itself.
 *
 * @module
 */
import { QueueShutDown, TimeoutError } from "../internal/errors.js";
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { checkMilliseconds, checkOptions, checkSignal } from "../internal/validate.js";
import { clientFor, type ManagerAddress, type ManagerClient } from "./manager-client.js";
import type { ObjectKind } from "./manager-server.js";
import type { WaitOptions } from "./wait.js";
import { untilShutDown } from "../internal/drain.js";

const KEY = "juggle/shared-memory:ManagerProxy";

/** What a proxy needs to reach its object. @internal */
export interface ProxyState {
  address: ManagerAddress;
  authKey: string;
  id: number;
  kind: ObjectKind;
}

function waitArgs(action: string, options: WaitOptions | undefined): { timeout: number | null; signal: AbortSignal | undefined } {
  const o = checkOptions<WaitOptions>(action, options);
  const signal = checkSignal(action, o.signal);
  const timeout = o.timeout === undefined ? null : checkMilliseconds(action, "timeout", o.timeout, { allowInfinity: true });
  return { timeout, signal };
}

abstract class ManagerProxy {
  readonly #state: ProxyState;
  readonly #client: ManagerClient;

  /** @internal */
  constructor(state: ProxyState, client?: ManagerClient) {
    this.#state = state;
    this.#client = client ?? clientFor(state.address, state.authKey);
  }

  /** The object's id on its manager. */
  get id(): number {
    return this.#state.id;
  }

  /** @internal */
  protected call(op: string, args: unknown[] = [], signal?: AbortSignal, undo?: (value: unknown) => void): Promise<unknown> {
    return this.#client.call(this.#state.id, op, args, signal, undo);
  }

  /** @internal The shareable descriptor: the manager's address, its auth key and the object id. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: this.#state };
  }
}

/**
 * A value held by a manager, shared by processes. Operations are atomic on
 * the manager (each is one request), and return promises.
 *
 * Python: `multiprocessing.Manager().Value(typecode, value)`.
 *
 * @example
 * ```ts
 * import { Manager } from "juggle-core/shared-memory";
 * await using manager = await Manager.start();
 * const count = manager.value(0);
 * await count.add(1); // from any process that received `count`
 * console.log(await count.load()); // 1
 * ```
 */
export class ManagerValue<T = number> extends ManagerProxy {
  /** Reads the value. */
  async load(): Promise<T> {
    return (await this.call("load")) as T;
  }
  /** Writes the value. */
  async store(value: T): Promise<void> {
    await this.call("store", [value]);
  }
  /** Adds `delta` (numbers or bigints); returns the previous value. */
  async add(delta: T): Promise<T> {
    return (await this.call("add", [delta])) as T;
  }
  /** Subtracts `delta`; returns the previous value. */
  async sub(delta: T): Promise<T> {
    return (await this.call("sub", [delta])) as T;
  }
  /** Replaces the value; returns the previous one. */
  async exchange(value: T): Promise<T> {
    return (await this.call("exchange", [value])) as T;
  }
  /** Stores `replacement` if the value is `expected`; returns the value found. */
  async compareExchange(expected: T, replacement: T): Promise<T> {
    return (await this.call("compareExchange", [expected, replacement])) as T;
  }
}

type QueueReply<T> = { state: "ok"; value: T } | { state: "ok" } | { state: "empty" } | { state: "full" } | { state: "closed" };

/**
 * A FIFO queue held by a manager, shared by processes: `put`/`get` with
 * `{ timeout, signal }`, `tryPut`/`tryGet` result unions, `close()` and
 * async iteration that ends when the queue is closed and drained. An aborted
 * `get` takes nothing: a message that was already on its way is put back at
 * the front.
 *
 * Python: `multiprocessing.Manager().Queue(maxsize)`.
 *
 * @example
 * ```ts
 * import { Manager } from "juggle-core/shared-memory";
 * await using manager = await Manager.start();
 * const jobs = manager.queue<string>();
 * await jobs.put("a");
 * await jobs.close();
 * for await (const job of jobs) console.log(job);
 * ```
 */
export class ManagerQueue<T = unknown> extends ManagerProxy {
  /**
   * Puts `item`, waiting while the queue is full.
   *
   * @throws {QueueShutDown} When the queue is closed.
   * @throws {TimeoutError} When `timeout` runs out first.
   */
  async put(item: T, options?: WaitOptions): Promise<void> {
    const { timeout, signal } = waitArgs("put in manager Queue", options);
    const r = (await this.call("put", [item, timeout], signal)) as QueueReply<T>;
    if (r.state === "closed") throw new QueueShutDown("Cannot put in manager Queue as it is closed");
    if (r.state === "full") throw new TimeoutError(`Cannot put in manager Queue as the wait timed out after ${timeout} ms`);
  }

  /**
   * Takes the oldest item, waiting while the queue is empty.
   *
   * @throws {QueueShutDown} When the queue is closed and empty.
   * @throws {TimeoutError} When `timeout` runs out first.
   */
  async get(options?: WaitOptions): Promise<T> {
    const { timeout, signal } = waitArgs("get from manager Queue", options);
    const undo = (r: unknown) => {
      const reply = r as QueueReply<T>;
      if (reply.state === "ok" && "value" in reply) void this.call("unget", [reply.value]).catch(() => {});
    };
    const r = (await this.call("get", [timeout], signal, undo)) as QueueReply<T>;
    if (r.state === "closed") throw new QueueShutDown("Cannot get from manager Queue as it is closed");
    if (r.state === "empty") throw new TimeoutError(`Cannot get from manager Queue as the wait timed out after ${timeout} ms`);
    return (r as { value: T }).value;
  }

  /** Puts `item` if there is room, without waiting. */
  async tryPut(item: T): Promise<{ state: "ok" } | { state: "full" } | { state: "closed" }> {
    return (await this.call("tryPut", [item])) as { state: "ok" } | { state: "full" } | { state: "closed" };
  }

  /** Takes the oldest item if there is one, without waiting. */
  async tryGet(): Promise<{ state: "ok"; value: T } | { state: "empty" } | { state: "closed" }> {
    return (await this.call("tryGet")) as { state: "ok"; value: T } | { state: "empty" } | { state: "closed" };
  }

  /** Items in the queue now. Python: `qsize()`. */
  async size(): Promise<number> {
    return (await this.call("size")) as number;
  }

  /** Closes the queue: puts are refused, gets drain what is left. Python: `shutdown()`. */
  async close(): Promise<void> {
    await this.call("close");
  }

  /** Iterates until the queue is closed and drained. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return untilShutDown(() => this.get());
  }
}

/**
 * A lock held by a manager, shared by processes. If a process dies holding
 * it, the manager releases it. Works with `withLock`.
 *
 * Python: `multiprocessing.Manager().Lock()`.
 *
 * @example
 * ```ts
 * import { Manager, withLock } from "juggle-core/shared-memory";
 * await using manager = await Manager.start();
 * const lock = manager.lock();
 * await withLock(lock, async () => {
 *   // one process at a time
 * });
 * ```
 */
export class ManagerLock extends ManagerProxy {
  /**
   * Waits for the lock. Resolves `true` once held, `false` when `timeout`
   * runs out. An aborted acquire leaves the lock free: if it was granted on
   * the way, it is released.
   */
  async acquire(options?: WaitOptions): Promise<boolean> {
    const { timeout, signal } = waitArgs("acquire manager Lock", options);
    const undo = (granted: unknown) => {
      if (granted === true) void this.call("release").catch(() => {});
    };
    return (await this.call("acquire", [timeout], signal, undo)) as boolean;
  }

  /** Takes the lock if it is free. */
  async tryAcquire(): Promise<boolean> {
    return (await this.call("tryAcquire")) as boolean;
  }

  /**
   * Releases the lock.
   *
   * @throws {JuggleError} `ERR_JUGGLE_NOT_LOCKED` when it is not held.
   */
  async release(): Promise<void> {
    await this.call("release");
  }

  /** Whether some process holds it. */
  async locked(): Promise<boolean> {
    return (await this.call("locked")) as boolean;
  }
}

/**
 * An event held by a manager, shared by processes.
 *
 * Python: `multiprocessing.Manager().Event()`.
 *
 * @example
 * ```ts
 * import { Manager } from "juggle-core/shared-memory";
 * await using manager = await Manager.start();
 * const done = manager.event();
 * await done.set();
 * console.log(await done.wait({ timeout: 1000 })); // true
 * ```
 */
export class ManagerEvent extends ManagerProxy {
  /** Sets the flag and wakes every waiter. */
  async set(): Promise<void> {
    await this.call("set");
  }
  /** Clears the flag. */
  async clear(): Promise<void> {
    await this.call("clear");
  }
  /** Whether the flag is set. */
  async isSet(): Promise<boolean> {
    return (await this.call("isSet")) as boolean;
  }
  /** Waits for the flag: `true` when set, `false` when `timeout` runs out. */
  async wait(options?: WaitOptions): Promise<boolean> {
    const { timeout, signal } = waitArgs("wait for manager Event", options);
    return (await this.call("wait", [timeout], signal)) as boolean;
  }
}

/** Builds the proxy class for `state.kind`. @internal */
export function makeProxy(state: ProxyState, client?: ManagerClient): ManagerProxy {
  switch (state.kind) {
    case "value":
      return new ManagerValue(state, client);
    case "queue":
      return new ManagerQueue(state, client);
    case "lock":
      return new ManagerLock(state, client);
    case "event":
      return new ManagerEvent(state, client);
  }
}

registerReviver(KEY, (state) => makeProxy(state as ProxyState));
