/**
 * A `ProcessQueue` seen from a process other than its owner: one connection
 * per queue per process, shared by every copy of the queue the process holds.
 *
 * Puts are buffered and leave in one write per tick (Python's feeder
 * thread), also when the process exits. Gets ask the owner for credit: one
 * item per waiting getter plus a window of items ahead, so a consumer that
 * takes items quickly finds the next one already here instead of paying a
 * round trip each. The window starts at 1 and doubles, up to `prefetch`,
 * each time a get finds nothing here while items are on their way. Every take is counted in this process's tally file (one
 * 8-byte `pwrite` in the page cache, no message, no wake-up of the owner)
 * before the getter sees the item, and reported to the owner (`TAKE`) with
 * the tick's other takes. If this process dies, the owner reads the tally:
 * the items it held but had not taken go back to the queue, and a taken item
 * is never delivered twice. (Where no tally file can be made, each take is
 * reported at once instead, one write per take.) Items held while
 * no getter has asked for one for a moment are handed back (`RELEASE`), so
 * an idle process (a pool worker between tasks, a consumer that returned
 * after its poison pill) keeps nothing from the others.
 *
 * The connection is unreferenced while no getter waits: holding a queue does
 * not keep a process alive.
 *
 * @internal
 * @module
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { Deque } from "../internal/deque.js";
import { QueueShutDown } from "../internal/errors.js";
import type { QueueAddress } from "./process-queue-owner.js";
import {
  CLOSE,
  CLOSED,
  controlFrame,
  DRAINED,
  FrameSplitter,
  Getters,
  HELLO,
  ITEMS,
  itemsFrame,
  PUT,
  RELEASE,
  RELEASED,
  splitItems,
  TAKE,
  TALLY,
  tallyPath,
  textFrame,
} from "./process-queue-wire.js";

/** Buffered puts of this many bytes are written at once, not at the end of the tick. */
const FLUSH_BYTES = 64 * 1024;

/** How long held items may sit with no get before they go back to the owner. */
const IDLE_MS = 10;

const clients = new Map<string, QueueClient>();

function flushAll(): void {
  for (const client of clients.values()) client.flush();
}

/** The client of the queue at `address`, connecting on first use. */
export function clientFor(address: QueueAddress, prefetch: number): QueueClient {
  let client = clients.get(address.path);
  if (client === undefined) {
    if (clients.size === 0) process.on("exit", flushAll);
    client = new QueueClient(address, prefetch);
    clients.set(address.path, client);
  }
  return client;
}

export class QueueClient {
  readonly #address: QueueAddress;
  readonly #socket: Socket;
  readonly #prefetch: number;
  /** Items asked for ahead of the getters now: grows from 1 up to `#prefetch` while this process outruns the owner. */
  #window: number;
  readonly #buffer = new Deque<Buffer>();
  readonly #getters = new Getters();
  /** Credit granted to the owner whose items have not arrived yet. */
  #owed = 0;
  /** RELEASE frames sent whose RELEASED has not come back: items before it are stale. */
  #releasing = 0;
  #puts: Buffer[] = [];
  #putBytes = 0;
  #drain: Promise<void> | undefined;
  #flushScheduled = false;
  #closed = false;
  #ended: Error | undefined;
  #why = "";
  #idle: ReturnType<typeof setTimeout> | undefined;
  #touched = false;
  #connecting: Promise<void> | undefined;
  /** Items taken in this process, ever, and how many of them the owner was told of. */
  #taken = 0;
  #reported = 0;
  /** The tally file (`#taken` as a float64 at offset 0): made at the first take, when it can be. */
  #tally: number | undefined;
  #tallyTried = false;
  readonly #tallyBytes = Buffer.alloc(8);

  constructor(address: QueueAddress, prefetch: number) {
    this.#address = address;
    this.#prefetch = prefetch;
    this.#window = Math.min(1, prefetch);
    const socket = connect(address.path);
    this.#socket = socket;
    socket.unref();
    socket.write(textFrame(HELLO, address.key));
    const splitter = new FrameSplitter();
    socket.on("data", (chunk: Buffer) => splitter.push(chunk, (type, payload) => this.#onFrame(type, payload)));
    socket.on("error", (error) => this.#end(`the connection to its owner failed (${error.message})`));
    socket.on("close", () => this.#end("its owner is gone"));
    this.#connecting = new Promise<void>((resolve, reject) => {
      socket.once("connect", () => {
        this.#connecting = undefined;
        resolve();
      });
      socket.once("close", () => reject(this.#ended));
    });
    this.#connecting.catch(() => {});
  }

  /** Where the owner listens. */
  get address(): QueueAddress {
    return this.#address;
  }

  /** Items this process may hold ahead of its getters. */
  get prefetch(): number {
    return this.#prefetch;
  }

  /** Whether this process knows the queue is closed. */
  get closed(): boolean {
    return this.#closed || this.#ended !== undefined;
  }

  /**
   * Buffers a serialized item; it leaves with the tick's other puts (at once
   * when they reach 64 KiB). Returns a promise while the connection is being
   * made or while written bytes wait for the socket (backpressure: a producer
   * that awaits its puts has them in the kernel before it exits), else
   * undefined.
   */
  put(item: Buffer): Promise<void> | undefined {
    if (this.#closed || this.#ended !== undefined) {
      throw new QueueShutDown(`Cannot put in ProcessQueue as ${this.#ended === undefined ? "it is closed" : this.#why}`);
    }
    this.#puts.push(item);
    this.#putBytes += item.length;
    if (this.#putBytes >= FLUSH_BYTES && this.#connecting === undefined) this.flush();
    else this.#scheduleFlush();
    if (this.#connecting !== undefined) return this.#connecting;
    return this.#socket.writableLength > 0 ? this.#writable() : undefined;
  }

  /** Resolves once the socket has written what it holds. */
  #writable(): Promise<void> {
    this.#drain ??= new Promise<void>((resolve, reject) => {
      // Bytes still to write keep the process alive, as a waiting getter does.
      this.#socket.ref();
      const drained = (): void => {
        this.#socket.off("close", closed);
        if (this.#getters.length === 0) this.#socket.unref();
        this.#drain = undefined;
        resolve();
      };
      const closed = (): void => {
        this.#socket.off("drain", drained);
        reject(new QueueShutDown(`Cannot put in ProcessQueue as ${this.#why}`));
      };
      this.#socket.once("drain", drained);
      this.#socket.once("close", closed);
    });
    return this.#drain;
  }

  #scheduleFlush(): void {
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Writes the buffered puts and reports the takes not reported yet. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#socket.destroyed) return;
    if (this.#puts.length > 0) {
      this.#socket.write(itemsFrame(PUT, this.#puts));
      this.#puts = [];
      this.#putBytes = 0;
    }
    if (this.#taken > this.#reported) this.#report(0);
  }

  /** Counts `n` takes: in the tally file before anyone sees the items, to the owner with the tick's others. */
  #count(n: number): void {
    this.#taken += n;
    if (!this.#tallyTried) this.#makeTally();
    if (this.#tally === undefined) return this.#report(0);
    this.#tallyBytes.writeDoubleLE(this.#taken, 0);
    writeSync(this.#tally, this.#tallyBytes, 0, 8, 0);
    this.#scheduleFlush();
  }

  /**
   * Makes the tally file and tells the owner its path (written before the
   * first take is counted: the connection is up, since items came through it).
   */
  #makeTally(): void {
    this.#tallyTried = true;
    try {
      const path = tallyPath(this.#address.path);
      this.#tally = openSync(path, "wx", 0o600);
      this.#socket.write(textFrame(TALLY, path));
    } catch {
      this.#tally = undefined;
    }
  }

  /** Tells the owner of the takes not reported yet, asking for `more` credit. */
  #report(more: number): void {
    const taken = this.#taken - this.#reported;
    this.#reported = this.#taken;
    if (!this.#socket.destroyed) this.#socket.write(controlFrame(TAKE, taken, more));
  }

  /** Asks for `more` credit; takes go with it only where there is no tally (else once per tick, in `flush`). */
  #ask(more: number): void {
    if (this.#tally === undefined) return this.#report(more);
    if (!this.#socket.destroyed) this.#socket.write(controlFrame(TAKE, 0, more));
  }

  /** An item already here, taken (and reported taken); undefined when none is. */
  take(): Buffer | undefined {
    const item = this.#buffer.shift();
    if (item !== undefined) {
      this.#touched = true;
      this.#count(1);
      this.#topUp(0);
      this.#armIdle();
    }
    return item;
  }

  /** `take()` for `tryGet`: also asks for an item when none is here, so a later try may find one. */
  poll(): Buffer | undefined {
    const item = this.take();
    if (item === undefined && this.#ended === undefined) {
      this.#touched = true;
      this.#topUp(1);
      this.#armIdle();
    }
    return item;
  }

  /** The error a get meets when no item is here and none can come, if so. */
  get finished(): Error | undefined {
    return this.#ended;
  }

  /** Waits for an item (the caller tried `take()` first). */
  wait(timeout: number | null, signal: AbortSignal | undefined): Promise<Buffer> {
    const got = this.#getters.wait(timeout, signal, () => {
      if (this.#getters.length === 0 && this.#drain === undefined) this.#socket.unref();
      this.#armIdle();
    });
    if (this.#getters.length === 1) this.#socket.ref();
    // A get that must wait although items are on their way: this process
    // takes faster than a round trip, so ask further ahead. A consumer of
    // long tasks never gets here and keeps at most one item ahead.
    if (this.#owed > 0 && this.#window < this.#prefetch) this.#window = Math.min(this.#prefetch, this.#window * 2);
    this.#topUp(0);
    return got;
  }

  /** Asks the owner to close the queue; a promise while the connection is being made. */
  close(): Promise<void> | undefined {
    this.#closed = true;
    this.flush();
    if (!this.#socket.destroyed) this.#socket.write(controlFrame(CLOSE));
    return this.#connecting;
  }

  /** Asks for what getters and prefetch need (at least `atLeast` ahead), with the takes not reported yet. */
  #topUp(atLeast: number): void {
    const have = this.#owed + this.#buffer.length;
    const want = this.#getters.length + Math.max(this.#window, atLeast);
    // Refill by halves of the prefetch window, so the owner writes batches,
    // not one item per take; a waiting getter asks at once.
    const early = this.#getters.length === 0 && atLeast === 0 && have > this.#window >> 1;
    const more = early ? 0 : Math.max(0, want - have);
    if (more === 0) return;
    this.#owed += more;
    this.#ask(more);
  }

  #armIdle(): void {
    this.#touched = true;
    if (this.#idle !== undefined || (this.#buffer.length === 0 && this.#owed === 0)) return;
    this.#idle = setTimeout(() => this.#checkIdle(), IDLE_MS);
    this.#idle.unref();
  }

  #checkIdle(): void {
    this.#idle = undefined;
    if (this.#getters.length > 0 || (this.#buffer.length === 0 && this.#owed === 0)) return;
    if (this.#touched) {
      this.#touched = false;
      this.#armIdle();
      this.#touched = false;
      return;
    }
    // Nobody here wants items now: give them back for other processes.
    this.#buffer.drain();
    this.#owed = 0;
    this.#window = Math.min(1, this.#prefetch);
    this.#releasing++;
    this.flush();
    if (!this.#socket.destroyed) this.#socket.write(controlFrame(RELEASE));
  }

  #onFrame(type: number, payload: Buffer): void {
    switch (type) {
      case ITEMS: {
        if (this.#releasing > 0) return; // already back in the owner's queue
        const items = splitItems(payload);
        this.#owed -= items.length;
        let served = 0;
        for (const item of items) {
          if (this.#getters.length > 0 && this.#getters.serve(item)) served++;
          else this.#buffer.push(item);
        }
        if (served > 0) {
          this.#count(served);
          this.#topUp(0);
        }
        this.#armIdle();
        return;
      }
      case RELEASED:
        this.#releasing--;
        return;
      case CLOSED:
        this.#closed = true;
        // The answer: puts made before this point reach the owner before it.
        this.flush();
        this.#socket.write(controlFrame(CLOSE));
        return;
      case DRAINED:
        this.#closed = true;
        this.#end("it is closed");
        this.#socket.end();
        return;
      default:
        this.#socket.destroy();
        this.#end(`its owner sent an unknown frame type ${type}`);
    }
  }

  #end(why: string): void {
    if (this.#ended !== undefined) return;
    this.#why = why;
    if (this.#tally !== undefined) closeSync(this.#tally);
    this.#tally = undefined;
    this.#ended = new QueueShutDown(`Cannot get from ProcessQueue at ${this.#address.path} as ${why}`);
    clearTimeout(this.#idle);
    if (clients.get(this.#address.path) === this) {
      clients.delete(this.#address.path);
      if (clients.size === 0) process.off("exit", flushAll);
    }
    this.#getters.failAll(this.#ended);
  }
}
