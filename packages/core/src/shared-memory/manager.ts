/**
 * `Manager`: values, queues, locks and events for child processes, which
 * share no memory. The parent serves the objects; child processes reach them
 * through proxies over a Unix domain socket (in `os.tmpdir()`, mode 0600) or,
 * where that is unavailable, loopback TCP, after proving they know the
 * manager's random auth key.
 *
 * @module
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { deferred } from "../internal/deferred.js";
import { JuggleError } from "../internal/errors.js";
import { checkInteger, checkOptions, given } from "../internal/validate.js";
import {
  FrameReader,
  frame,
  type ManagerAddress,
  ManagerClient,
  PRE_AUTH_LIMIT,
  type Reply,
  type Request,
} from "./manager-client.js";
import { claimSocketPath, releaseSocketPath, sweepStaleSockets } from "./manager-socket.js";
import { ManagerEvent, ManagerLock, ManagerQueue, ManagerValue, makeProxy, type ProxyState } from "./manager-proxies.js";
import { type Conn, dispatch, type ObjectKind, type Served, ServedEvent, ServedLock, ServedQueue, ServedValue } from "./manager-server.js";

/** Options of {@link Manager.start}. */
export interface ManagerOptions {
  /** `"unix"` (default except on Windows): a socket file in `os.tmpdir()`; `"tcp"`: 127.0.0.1 on a free port. */
  transport?: "unix" | "tcp";
}

/**
 * A server, owned by this process, for objects that child processes share:
 * `value()`, `queue()`, `lock()` and `event()` return proxies with the
 * interfaces of the shared-memory objects, made async. Pass a proxy to a
 * child process as a task argument (or `encodeShared` it yourself); the child
 * gets a working proxy that connects back. `shutdown()` (or `await using`)
 * closes the server and every connection.
 *
 * Python: `multiprocessing.Manager()` / `multiprocessing.managers.SyncManager`.
 *
 * @example A counter and a queue shared with child processes
 * ```ts
 * import { Manager } from "juggle-core/shared-memory";
 * await using manager = await Manager.start();
 * const done = manager.value(0);
 * const results = manager.queue<number>();
 * // pool.submit(t.work, done, results) in a ProcessPool …
 * await results.put(42);
 * console.log(await results.get()); // 42
 * ```
 */
export class Manager {
  /** Where the manager listens. */
  readonly address: ManagerAddress;
  readonly #authKey: string;
  readonly #server: Server;
  readonly #objects = new Map<number, Served>();
  readonly #conns = new Set<Conn>();
  readonly #sockets = new Set<Socket>();
  readonly #local: ManagerClient;
  readonly #localConn: Conn;
  #nextObject = 1;
  #shutdown: Promise<void> | undefined;

  private constructor(server: Server, address: ManagerAddress, authKey: string) {
    this.#server = server;
    this.address = address;
    this.#authKey = authKey;
    // This process's own proxies skip the socket: their requests run here.
    this.#localConn = {
      waits: new Map(),
      reply: (reply: Reply) => queueMicrotask(() => this.#local.receive(reply)),
    };
    this.#local = new ManagerClient((message) => this.#onMessage(this.#localConn, message));
    this.#conns.add(this.#localConn);
    server.on("connection", (socket) => this.#accept(socket));
  }

  /**
   * Starts a manager listening on a fresh Unix socket (or loopback port).
   *
   * @throws {TypeError} For a bad `transport`.
   */
  static async start(options?: ManagerOptions): Promise<Manager> {
    const o = checkOptions<ManagerOptions>("start Manager", options);
    const transport = given(o.transport, process.platform === "win32" ? "tcp" : "unix");
    if (transport !== "unix" && transport !== "tcp") {
      throw new TypeError(`Cannot start Manager as 'transport' must be "unix" or "tcp": received ${String(transport)}`);
    }
    const authKey = randomBytes(32).toString("hex");
    const server = createServer();
    const listening = deferred<void>();
    server.once("error", listening.reject);
    let address: ManagerAddress;
    if (transport === "unix") {
      sweepStaleSockets();
      const path = claimSocketPath();
      server.listen({ path, readableAll: false, writableAll: false }, () => listening.resolve());
      address = { path };
    } else {
      server.listen({ host: "127.0.0.1", port: 0 }, () => listening.resolve());
      address = { host: "127.0.0.1", port: 0 };
    }
    await listening.promise;
    server.off("error", listening.reject);
    // Only this user may connect (the auth key is the second line of defence).
    if ("path" in address) chmodSync(address.path, 0o600);
    if (transport === "tcp") {
      const port = (server.address() as { port: number }).port;
      address = { host: "127.0.0.1", port };
    }
    return new Manager(server, address, authKey);
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    let conn: Conn | undefined;
    // Until the key is shown, a peer may send one small frame: anything
    // larger closes the connection before it is buffered.
    const reader = new FrameReader(PRE_AUTH_LIMIT);
    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk, (message) => {
          if (conn === undefined) {
            if (!this.#checkKey(message)) throw new Error("bad auth key");
            conn = { waits: new Map(), reply: (reply) => void (socket.destroyed || socket.write(frame(reply))) };
            this.#conns.add(conn);
            reader.limit = Number.POSITIVE_INFINITY;
            return;
          }
          this.#onMessage(conn, message);
        });
      } catch {
        socket.destroy();
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      this.#sockets.delete(socket);
      if (conn !== undefined) this.#drop(conn);
    });
  }

  #checkKey(message: unknown): boolean {
    const hello = (message as { hello?: unknown } | null)?.hello;
    if (typeof hello !== "string") return false;
    const a = Buffer.from(hello);
    const b = Buffer.from(this.#authKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  #onMessage(conn: Conn, message: unknown): void {
    const m = message as Partial<Request> & { cancel?: number };
    if (typeof m.cancel === "number") {
      conn.waits.get(m.cancel)?.();
      conn.waits.delete(m.cancel);
      return;
    }
    dispatch(this.#objects, conn, m as Request);
  }

  #drop(conn: Conn): void {
    this.#conns.delete(conn);
    conn.waits.clear();
    for (const o of this.#objects.values()) o.drop(conn);
  }

  #create<P>(kind: ObjectKind, served: Served): P {
    if (this.#shutdown !== undefined) throw new JuggleError("Cannot create manager object as the manager is shut down", "ERR_JUGGLE_MANAGER_CLOSED");
    const id = this.#nextObject++;
    this.#objects.set(id, served);
    const state: ProxyState = { address: this.address, authKey: this.#authKey, id, kind };
    return makeProxy(state, this.#local) as P;
  }

  /** A shared value (any structured-clonable value; `add`/`sub` need numbers or bigints). Python: `Manager().Value()`. */
  value<T = number>(initial: T): ManagerValue<T> {
    return this.#create("value", new ServedValue(initial));
  }

  /**
   * A shared FIFO queue. Python: `Manager().Queue(maxsize)`.
   *
   * @param options `maxsize`: items it holds before `put` waits (default, `0`
   * or `Infinity`: no limit, as in Python and the async `Queue`).
   * @throws {RangeError} When `maxsize` is negative or not an integer.
   */
  queue<T = unknown>(options?: { maxsize?: number }): ManagerQueue<T> {
    const o = checkOptions<{ maxsize?: number }>("create manager Queue", options);
    const maxsize = checkInteger("create manager Queue", "maxsize", given(o.maxsize, 0), { allowInfinity: true });
    return this.#create("queue", new ServedQueue(maxsize === 0 ? Number.POSITIVE_INFINITY : maxsize));
  }

  /** A shared lock, released by the manager if its holder's process goes away. Python: `Manager().Lock()`. */
  lock(): ManagerLock {
    return this.#create("lock", new ServedLock());
  }

  /** A shared event. Python: `Manager().Event()`. */
  event(): ManagerEvent {
    return this.#create("event", new ServedEvent());
  }

  /** Whether `shutdown()` was called. */
  get closed(): boolean {
    return this.#shutdown !== undefined;
  }

  /**
   * Stops the server: every connection is closed, pending calls of this
   * process's proxies fail, the socket file is removed. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      for (const socket of this.#sockets) socket.destroy();
      this.#local.close(new JuggleError("Cannot use manager object as the manager is shut down", "ERR_JUGGLE_MANAGER_CLOSED"));
      for (const conn of [...this.#conns]) this.#drop(conn);
      this.#objects.clear();
      await closed;
      if ("path" in this.address) releaseSocketPath(this.address.path);
    })();
    return this.#shutdown;
  }

  /** Same as {@link shutdown}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
