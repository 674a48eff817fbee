/**
 * The owner's side of a `ProcessQueue`: the queue itself, held by the process
 * that created it, and the socket server other processes reach it through.
 *
 * Each connected process (a consumer) is granted items against the credit it
 * asks for; the owner keeps every item it sent until the consumer says it
 * took it (`TAKE`). An item is taken once, by one getter. When a consumer
 * hands its credit back (`RELEASE`) or goes away (it exited, crashed or was
 * killed), the items it had not taken go back to the front of the queue, in
 * order, for the others: nothing that no getter took is lost.
 *
 * The server starts on first share (a queue used by one process opens
 * nothing), is unreferenced (it does not keep the owner alive), and its
 * socket file is removed when the queue is drained after `close()`, disposed
 * of, or when the owner exits (also by `process.exit` or an uncaught error).
 * A SIGKILLed owner cannot clean up: the next queue started on the machine
 * sweeps the files of dead owners.
 *
 * @internal
 * @module
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, readFileSync, unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { Deque } from "../internal/deque.js";
import { QueueShutDown } from "../internal/errors.js";
import {
  CLOSE,
  CLOSED,
  controlFrame,
  DRAINED,
  FrameSplitter,
  Getters,
  HELLO,
  ITEMS,
  isTallyPath,
  itemsFrame,
  MAX_HELLO,
  PUT,
  RELEASE,
  RELEASED,
  socketPath,
  splitItems,
  sweepStaleSockets,
  TAKE,
  TALLY,
} from "./process-queue-wire.js";

/** Where another process finds the queue, and the key it must show. */
export interface QueueAddress {
  path: string;
  key: string;
}

interface Consumer {
  readonly socket: Socket;
  /** Items it may still be sent. */
  credit: number;
  /** Items sent to it that it has not taken yet, oldest first. */
  readonly unacked: Deque<Buffer>;
  /** Told of close() and not yet answered: what it put before then may still be on its way. */
  closing: boolean;
  /** Items it reported taken. */
  taken: number;
  /** Its tally file: how many items it took, written before each take is seen (read when it goes away). */
  tally: string | undefined;
}

const listening = new Set<QueueOwner>();

function removeSocketFiles(): void {
  for (const owner of listening) owner.stop();
}

export class QueueOwner {
  readonly #items = new Deque<Buffer>();
  readonly #getters = new Getters();
  readonly #consumers = new Set<Consumer>();
  #address: QueueAddress | undefined;
  #server: Server | undefined;
  #closed = false;
  #drained = false;
  #pumpScheduled = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** The address other processes connect to; starts the server on first call. */
  address(): QueueAddress {
    if (this.#address !== undefined) return this.#address;
    sweepStaleSockets();
    if (listening.size === 0) process.on("exit", removeSocketFiles);
    const path = socketPath();
    const server = createServer((socket) => this.#accept(socket));
    // A Unix socket binds synchronously: the file exists when listen() returns.
    server.listen({ path, readableAll: false, writableAll: false });
    chmodSync(path, 0o600);
    server.on("error", () => {});
    server.unref();
    this.#server = server;
    this.#address = { path, key: randomBytes(32).toString("hex") };
    listening.add(this);
    return this.#address;
  }

  /** Adds a serialized item: to the first waiting getter, else to the queue. */
  put(item: Buffer): void {
    if (this.#closed) throw new QueueShutDown("Cannot put in ProcessQueue as it is closed");
    this.#add(item);
  }

  #add(item: Buffer): void {
    if (this.#getters.serve(item)) return;
    this.#items.push(item);
    if (this.#consumers.size > 0) this.#schedulePump();
  }

  /** The oldest item, if the owner holds one now. */
  take(): Buffer | undefined {
    const item = this.#items.shift();
    if (this.#closed && this.#items.length === 0) this.#checkDrained();
    return item;
  }

  /** True once closed with nothing left here or with any consumer. */
  get drained(): boolean {
    return this.#drained;
  }

  /** Waits for an item (the caller tried `take()` first). */
  wait(timeout: number | null, signal: AbortSignal | undefined): Promise<Buffer> {
    return this.#getters.wait(timeout, signal, () => {});
  }

  /** Refuses new puts; getters drain what is left, then fail with `QueueShutDown`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const frame = controlFrame(CLOSED);
    for (const c of this.#consumers) {
      c.closing = true;
      c.socket.write(frame);
    }
    this.#checkDrained();
  }

  /** Closes at once: items are dropped, getters fail, connections and the socket file go. */
  dispose(): void {
    this.#closed = true;
    this.#items.drain();
    for (const c of this.#consumers) {
      c.unacked.drain();
      c.closing = false;
    }
    this.#checkDrained();
    for (const c of this.#consumers) c.socket.destroySoon();
    this.stop();
  }

  /** Stops the server and removes its socket file and the tally files of its consumers (idempotent). */
  stop(): void {
    for (const c of this.#consumers) {
      if (c.tally === undefined) continue;
      try {
        unlinkSync(c.tally);
      } catch {
        // Already gone.
      }
    }
    if (this.#server === undefined || this.#address === undefined) return;
    listening.delete(this);
    if (listening.size === 0) process.off("exit", removeSocketFiles);
    this.#server.close();
    this.#server = undefined;
    try {
      unlinkSync(this.#address.path);
    } catch {
      // Already gone.
    }
  }

  #accept(socket: Socket): void {
    socket.unref();
    socket.on("error", () => {});
    const splitter = new FrameSplitter(MAX_HELLO);
    let consumer: Consumer | undefined;
    socket.on("data", (chunk: Buffer) => {
      try {
        splitter.push(chunk, (type, payload) => {
          if (consumer !== undefined) return this.#onFrame(consumer, type, payload);
          if (type !== HELLO || !this.#checkKey(payload)) throw new Error("bad key");
          splitter.unlimit();
          consumer = { socket, credit: 0, unacked: new Deque(), closing: this.#closed && !this.#drained, taken: 0, tally: undefined };
          this.#consumers.add(consumer);
          if (this.#drained) socket.end(controlFrame(DRAINED));
          else if (this.#closed) socket.write(controlFrame(CLOSED));
        });
      } catch {
        socket.destroy();
      }
    });
    socket.on("close", () => {
      if (consumer === undefined) return;
      this.#consumers.delete(consumer);
      this.#settleTally(consumer);
      this.#requeue(consumer);
      this.#checkDrained();
      if (this.#drained && this.#consumers.size === 0) this.stop();
    });
  }

  #checkKey(given: Buffer): boolean {
    const key = Buffer.from((this.#address as QueueAddress).key);
    return given.length === key.length && timingSafeEqual(given, key);
  }

  /** A consumer went away: the items its tally says it took (reported or not) are gone. */
  #settleTally(c: Consumer): void {
    if (c.tally === undefined) return;
    try {
      const bytes = readFileSync(c.tally);
      const total = bytes.length >= 8 ? bytes.readDoubleLE(0) : 0;
      for (let n = total - c.taken; n > 0; n--) c.unacked.shift();
      unlinkSync(c.tally);
    } catch {
      // No tally (never created, or removed): what it reported is all we know.
    }
  }

  #onFrame(c: Consumer, type: number, payload: Buffer): void {
    switch (type) {
      case PUT:
        // Items a process put before it learned of close() are kept, not lost.
        for (const item of splitItems(payload)) this.#add(item);
        return;
      case TAKE:
        c.taken += payload.readUInt32BE(0);
        for (let n = payload.readUInt32BE(0); n > 0; n--) c.unacked.shift();
        c.credit += payload.readUInt32BE(4);
        if (this.#items.length > 0) this.#schedulePump();
        else this.#checkDrained();
        return;
      case TALLY: {
        const path = payload.toString();
        if (c.tally !== undefined || !isTallyPath(path, (this.#address as QueueAddress).path)) throw new Error("bad tally path");
        c.tally = path;
        return;
      }
      case RELEASE:
        this.#requeue(c);
        c.credit = 0;
        c.socket.write(controlFrame(RELEASED));
        return;
      case CLOSE:
        // Also the answer to CLOSED: every put it made before is in by now.
        this.close();
        c.closing = false;
        return this.#checkDrained();
      default:
        throw new Error(`unknown frame type ${type}`);
    }
  }

  /** Puts back, at the front and in order, what `c` was sent but did not take. */
  #requeue(c: Consumer): void {
    if (c.unacked.length === 0) return;
    const back = c.unacked.drain();
    for (let i = back.length - 1; i >= 0; i--) this.#items.unshift(back[i] as Buffer);
    while (this.#getters.length > 0 && this.#items.length > 0) this.#getters.serve(this.#items.shift() as Buffer);
    if (this.#items.length > 0) this.#schedulePump();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // Puts made in one tick leave in one write per consumer (Python's feeder thread).
    process.nextTick(() => this.#pump());
  }

  #pump(): void {
    this.#pumpScheduled = false;
    for (const c of [...this.#consumers]) {
      if (this.#items.length === 0) break;
      if (c.credit === 0 || c.socket.destroyed) continue;
      const n = Math.min(c.credit, this.#items.length);
      const batch: Buffer[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const item = this.#items.shift() as Buffer;
        c.unacked.push(item);
        batch[i] = item;
      }
      c.credit -= n;
      c.socket.write(itemsFrame(ITEMS, batch));
      // Round robin: the consumer served last goes to the back.
      this.#consumers.delete(c);
      this.#consumers.add(c);
    }
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (!this.#closed || this.#drained || this.#items.length > 0) return;
    for (const c of this.#consumers) if (c.unacked.length > 0 || c.closing) return;
    this.#drained = true;
    this.#getters.failAll(new QueueShutDown("Cannot get from ProcessQueue as it is closed"));
    const frame = controlFrame(DRAINED);
    for (const c of this.#consumers) c.socket.write(frame);
    if (this.#consumers.size === 0) this.stop();
  }
}
