/**
 * The wire of the `Manager`: length-prefixed `v8.serialize` frames over a
 * Unix domain socket (or loopback TCP), and the client side that proxies
 * use.
 *
 *   frame: [u32 big-endian length][v8-serialized message]
 *   client → server: { hello: key } once, then { id, obj, op, args } and { cancel: id }
 *   server → client: { id, ok: true, value } | { id, ok: false, error }
 *
 * A connection is unreferenced while no call is pending, so a child process
 * that holds proxies can still exit by itself; a pending call (say, a
 * `get()` waiting for a message) keeps it alive.
 *
 * @internal
 * @module
 */
import { connect, type Socket } from "node:net";
import { deserialize, serialize } from "node:v8";
import { deferred } from "../internal/deferred.js";
import { deserializeError, JuggleError, type SerializedError } from "../internal/errors.js";
import { listenAbort } from "../internal/signal.js";

/** A request from a proxy. */
export interface Request {
  id: number;
  obj: number;
  op: string;
  args: unknown[];
}

/** A reply from the server. */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

/** Encodes one message as a frame. */
export function frame(message: unknown): Buffer {
  const body = serialize(message);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/**
 * Splits a byte stream into messages.
 *
 * A frame's chunks are kept as they come and joined once, when the frame is
 * complete: joining on every chunk would copy a large frame again for each
 * of its chunks (quadratic). A frame announcing more than `limit` bytes is
 * refused before any of it is buffered: the manager reads at most
 * {@link PRE_AUTH_LIMIT} bytes from a peer that has not shown the key.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #length = 0;
  /** Size of the frame being read, once its header is in; -1 before. */
  #size = -1;
  /** Largest frame body accepted, in bytes. */
  limit: number;

  constructor(limit = Number.POSITIVE_INFINITY) {
    this.limit = limit;
  }

  /**
   * Feeds bytes; calls `onMessage` for each complete frame.
   *
   * @throws {RangeError} When a frame announces more than `limit` bytes (the connection should be closed).
   */
  push(chunk: Buffer, onMessage: (message: unknown) => void): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    while (this.#length >= 4) {
      if (this.#size < 0) {
        if ((this.#chunks[0] as Buffer).length < 4) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
        this.#size = (this.#chunks[0] as Buffer).readUInt32BE(0);
        if (this.#size > this.limit) {
          throw new RangeError(`Cannot read manager frame as it announces ${this.#size} bytes, more than ${this.limit}`);
        }
      }
      const end = 4 + this.#size;
      if (this.#length < end) return;
      const buf = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#length);
      const message = deserialize(buf.subarray(4, end));
      const rest = buf.subarray(end);
      this.#chunks = rest.length > 0 ? [rest] : [];
      this.#length = rest.length;
      this.#size = -1;
      onMessage(message);
    }
  }
}

/**
 * Largest frame the manager reads before the peer has shown its key (the
 * `hello` frame is under 100 bytes). Python's manager reads at most 256 bytes
 * before it checks the key.
 */
export const PRE_AUTH_LIMIT = 256;

/** Where a manager listens: a Unix socket path or a loopback port. */
export type ManagerAddress = { path: string } | { host: "127.0.0.1"; port: number };

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Called with the value when it arrives after the caller gave up (to undo it). */
  undo: ((value: unknown) => void) | undefined;
  abandoned: boolean;
}

/** Sends requests and matches replies; one per manager per process (see {@link clientFor}). */
export class ManagerClient {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #send: (message: unknown) => void;
  #closed: Error | undefined;
  #onIdle: (() => void) | undefined;
  #onBusy: (() => void) | undefined;

  constructor(send: (message: unknown) => void) {
    this.#send = send;
  }

  /** Hooks the transport's ref/unref to the number of pending calls. */
  setActivityHooks(onBusy: () => void, onIdle: () => void): void {
    this.#onBusy = onBusy;
    this.#onIdle = onIdle;
  }

  /**
   * Calls `op` on object `obj`. When `signal` aborts, the promise rejects at
   * once, the server is asked to cancel, and if the result still arrives,
   * `undo` receives it (a message to put back, a lock to release).
   */
  call(obj: number, op: string, args: unknown[] = [], signal?: AbortSignal, undo?: (value: unknown) => void): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    const d = deferred<unknown>();
    const pending: Pending = { resolve: d.resolve, reject: d.reject, undo, abandoned: false };
    this.#pending.set(id, pending);
    if (this.#pending.size === 1) this.#onBusy?.();
    const off = listenAbort(signal, (reason) => {
      pending.abandoned = true;
      d.reject(reason);
      this.#send({ cancel: id });
    });
    this.#send({ id, obj, op, args } satisfies Request);
    return d.promise.finally(off);
  }

  /** Handles one reply from the server. */
  receive(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#onIdle?.();
    if (pending.abandoned) {
      if (reply.ok) pending.undo?.(reply.value);
      return;
    }
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(deserializeError(reply.error));
  }

  /** Fails every pending call and refuses new ones. */
  close(error: Error): void {
    this.#closed ??= error;
    for (const p of this.#pending.values()) if (!p.abandoned) p.reject(error);
    this.#pending.clear();
    this.#onIdle?.();
  }
}

const clients = new Map<string, ManagerClient>();

function keyOf(address: ManagerAddress): string {
  return "path" in address ? address.path : `${address.host}:${address.port}`;
}

/**
 * The client for the manager at `address`, connecting on first use. Cached
 * per address so every proxy of one manager shares one connection.
 */
export function clientFor(address: ManagerAddress, authKey: string): ManagerClient {
  const k = keyOf(address);
  let client = clients.get(k);
  if (client !== undefined) return client;
  const socket: Socket = "path" in address ? connect(address.path) : connect(address.port, address.host);
  socket.setNoDelay?.(true);
  const c = new ManagerClient((message) => {
    if (!socket.destroyed) socket.write(frame(message));
  });
  client = c;
  c.setActivityHooks(
    () => socket.ref(),
    () => socket.unref(),
  );
  socket.unref();
  socket.write(frame({ hello: authKey }));
  const reader = new FrameReader();
  socket.on("data", (chunk: Buffer) => reader.push(chunk, (m) => c.receive(m as Reply)));
  const lost = (why: string) => {
    clients.delete(k);
    c.close(new JuggleError(`Cannot reach the manager at ${k}: ${why}`, "ERR_JUGGLE_MANAGER_CLOSED"));
  };
  socket.on("error", (error) => lost(error.message));
  socket.on("close", () => lost("the connection closed"));
  clients.set(k, c);
  return c;
}
