/**
 * The wire of `ProcessQueue`, and the getter list both of its ends share.
 *
 * The queue lives in the process that created it (the owner). Other
 * processes connect to it over a Unix domain socket (mode 0600, in
 * `os.tmpdir()`) and prove they know its random key. Frames are binary:
 *
 *   frame:  [u32 BE length of what follows][u8 type][payload]
 *   items:  ([u32 BE length][v8-serialized item])*   (one frame carries a batch)
 *
 *   other process → owner                   owner → other process
 *   HELLO  key (first frame, ≤ 256 bytes)   ITEMS     items, for granted credit
 *   PUT    items                            RELEASED  every unacked item went back
 *   TAKE   u32 taken, u32 more credit       CLOSED    puts are refused from now on
 *   RELEASE                                 DRAINED   closed and nothing left anywhere
 *   CLOSE
 *   TALLY  path of its tally file (see the client), before its first take
 *
 * Items travel as the bytes their producer serialized and are deserialized
 * once, by the process that takes them: the owner never decodes a batch it
 * only forwards.
 *
 * @internal
 * @module
 */
import { randomBytes } from "node:crypto";
import { deserialize, serialize } from "node:v8";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QueueShutDown, TimeoutError } from "../internal/errors.js";
import { clearLongTimeout, type LongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { listenAbort } from "../internal/signal.js";
import { sweepStaleFiles } from "../internal/stale-files.js";
import { type WaiterNode, WaiterList } from "../internal/waiters.js";

export const HELLO = 1;
export const PUT = 2;
export const TAKE = 3;
export const RELEASE = 4;
export const CLOSE = 5;
export const TALLY = 6;
export const ITEMS = 10;
export const RELEASED = 11;
export const CLOSED = 12;
export const DRAINED = 13;

/** Python's manager reads at most 256 bytes before checking the key; so does the owner. */
export const MAX_HELLO = 256;

/** A frame with no payload, or with two u32s (`TAKE`). */
export function controlFrame(type: number, a?: number, b?: number): Buffer {
  const withArgs = a !== undefined;
  const buf = Buffer.allocUnsafe(withArgs ? 13 : 5);
  buf.writeUInt32BE(withArgs ? 9 : 1, 0);
  buf[4] = type;
  if (withArgs) {
    buf.writeUInt32BE(a, 5);
    buf.writeUInt32BE(b ?? 0, 9);
  }
  return buf;
}

/** A frame carrying a string (`HELLO`'s key, `TALLY`'s path). */
export function textFrame(type: number, text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32BE(1 + body.length, 0);
  head[4] = type;
  return Buffer.concat([head, body]);
}

/** A frame carrying `items` (already serialized). */
export function itemsFrame(type: number, items: readonly Buffer[]): Buffer {
  let size = 1;
  for (const item of items) size += 4 + item.length;
  const buf = Buffer.allocUnsafe(4 + size);
  buf.writeUInt32BE(size, 0);
  buf[4] = type;
  let at = 5;
  for (const item of items) {
    buf.writeUInt32BE(item.length, at);
    buf.set(item, at + 4);
    at += 4 + item.length;
  }
  return buf;
}

/** Splits a frame's payload back into the serialized items. */
export function splitItems(payload: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 4 <= payload.length; ) {
    const size = payload.readUInt32BE(at);
    out.push(payload.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return out;
}

/**
 * Splits a byte stream into frames. Buffers linearly (chunks are joined once
 * a frame is complete); a bound refuses the first frame (the unauthenticated
 * `HELLO`) when it announces more than the bound, before reading it.
 */
export class FrameSplitter {
  #chunks: Buffer[] = [];
  #length = 0;
  #limit: number;

  constructor(firstFrameLimit = Number.POSITIVE_INFINITY) {
    this.#limit = firstFrameLimit;
  }

  /** Lifts the first-frame bound (after authentication). */
  unlimit(): void {
    this.#limit = Number.POSITIVE_INFINITY;
  }

  /** Feeds bytes; calls `onFrame` for each complete frame. Throws on a frame over the bound. */
  push(chunk: Buffer, onFrame: (type: number, payload: Buffer) => void): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    while (this.#length >= 4) {
      let head = this.#chunks[0] as Buffer;
      if (head.length < 4) {
        head = Buffer.concat(this.#chunks, this.#length);
        this.#chunks = [head];
      }
      const size = head.readUInt32BE(0);
      if (size > this.#limit || size === 0) throw new RangeError(`frame of ${size} bytes refused`);
      // Joined once the frame is complete, not on every chunk (linear, not quadratic).
      if (this.#length < 4 + size) return;
      let buf = this.#chunks.length === 1 ? head : Buffer.concat(this.#chunks, this.#length);
      const type = buf[4] as number;
      const payload = buf.subarray(5, 4 + size);
      buf = buf.subarray(4 + size);
      this.#chunks = buf.length > 0 ? [buf] : [];
      this.#length = buf.length;
      onFrame(type, payload);
    }
  }
}

const NUMBER = 0;
const CLONE = 1;

/**
 * An item's bytes: a tag, then a float64 for a number (the common case, at a
 * fraction of `v8.serialize`'s cost) or the structured-clone bytes.
 *
 * @throws What `v8.serialize` throws for a value it cannot copy.
 */
export function encodeItem(item: unknown): Buffer {
  if (typeof item === "number") {
    const buf = Buffer.allocUnsafe(9);
    buf[0] = NUMBER;
    buf.writeDoubleLE(item, 1);
    return buf;
  }
  const body = serialize(item);
  const buf = Buffer.allocUnsafe(1 + body.length);
  buf[0] = CLONE;
  buf.set(body, 1);
  return buf;
}

/** The item back from {@link encodeItem}'s bytes. */
export function decodeItem(buf: Buffer): unknown {
  return buf[0] === NUMBER ? buf.readDoubleLE(1) : deserialize(buf.subarray(1));
}

const PREFIX = "juggle-pq-";

/** A fresh socket path for a queue owned by this process. */
export function socketPath(): string {
  return join(tmpdir(), `${PREFIX}${process.pid}-${randomBytes(6).toString("hex")}.sock`);
}

/**
 * A fresh path for a consumer's take tally (see the client), named after the
 * owner's socket so that it is swept with it.
 */
export function tallyPath(socket: string): string {
  return `${socket.slice(0, -".sock".length)}-${randomBytes(6).toString("hex")}.take`;
}

/** Whether `path` is a tally path of the queue at `socket` (the owner reads and removes only those). */
export function isTallyPath(path: string, socket: string): boolean {
  const stem = socket.slice(0, -".sock".length);
  return path.startsWith(`${stem}-`) && /^-[0-9a-f]{12}\.take$/.test(path.slice(stem.length));
}

/**
 * Removes socket files and take tallies of queues whose owner died without
 * cleaning up (see `internal/stale-files.ts`).
 */
export function sweepStaleSockets(): void {
  sweepStaleFiles(/^juggle-pq-(\d+)-[0-9a-f]+(?:\.sock|-[0-9a-f]+\.take)$/);
}

interface Getter {
  resolve(item: Buffer): void;
  reject(error: unknown): void;
  settle(): void;
}

/**
 * Getters waiting on one end of the queue, first come first served. A getter
 * that times out or is aborted leaves the list at once and takes nothing.
 */
export class Getters {
  readonly #list = new WaiterList<Getter>();

  get length(): number {
    return this.#list.length;
  }

  /** Parks a getter; `onSettled` runs once it leaves the list, however it ends. */
  wait(timeout: number | null, signal: AbortSignal | undefined, onSettled: () => void): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let timer: LongTimeout | undefined;
      let node: WaiterNode<Getter> | undefined;
      let off = (): void => {};
      const settle = (): void => {
        if (timer !== undefined) clearLongTimeout(timer);
        off();
        onSettled();
      };
      const giveUp = (error: unknown): void => {
        if (node !== undefined && this.#list.remove(node)) {
          settle();
          reject(error);
        }
      };
      node = this.#list.push({ resolve, reject, settle });
      if (timeout !== null && timeout !== Number.POSITIVE_INFINITY) {
        // Any finite timeout, however long (Node fires a plain timer beyond 2^31 − 1 ms at once).
        timer = setLongTimeout(() => giveUp(new TimeoutError(`Cannot get from ProcessQueue as the wait timed out after ${timeout} ms`)), timeout);
      }
      off = listenAbort(signal, giveUp);
    });
  }

  /** Hands `item` to the front getter; false when none waits. */
  serve(item: Buffer): boolean {
    const g = this.#list.shift();
    if (g === undefined) return false;
    g.settle();
    g.resolve(item);
    return true;
  }

  /** Rejects every getter (the queue is closed and drained, or gone). */
  failAll(error: QueueShutDown | Error): void {
    for (let g = this.#list.shift(); g !== undefined; g = this.#list.shift()) {
      g.settle();
      g.reject(error);
    }
  }
}
