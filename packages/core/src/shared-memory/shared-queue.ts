/**
 * `SharedQueue`: a bounded multi-producer multi-consumer queue in shared
 * memory (Dmitry Vyukov's bounded MPMC ring).
 *
 *   header (512 B: head, tail, flags, futex words on their own cache lines)
 *   slot 0: [seq | meta | payload (messageSize B)]  slot 1 …  slot capacity-1
 *
 * Each slot carries a sequence number. A producer claims position `p` by
 * moving `tail` from `p` to `p + 1` with a compare-exchange when slot
 * `p % capacity` has `seq === p` (free for this lap), writes the message,
 * then publishes it with `seq = p + 1`. A consumer claims `p` from `head` when
 * `seq === p + 1` and frees the slot for the next lap with
 * `seq = p + capacity`. Positions are 31-bit and wrap; differences are
 * sign-extended from 31 bits.
 * Claims are ordered, so messages leave in the order their positions were
 * claimed: a producer's messages keep their order.
 *
 * Waiting: a consumer spins briefly (a hand-off between two busy threads
 * costs well under a microsecond), then registers in `getWaiting`, re-checks,
 * and sleeps on the `putSeq` futex word. A producer bumps `putSeq` and
 * notifies only when `getWaiting` is non-zero, so the fast path has no
 * notify at all. Producers waiting for room do the same with `putWaiting`
 * and `getSeq`.
 *
 * Closing sets the top bit of `tail` (positions are 31-bit). A producer's
 * claim is a compare-exchange on `tail`, so a claim either happened before
 * the close (its message will be published) or sees the bit and is refused:
 * no per-put bookkeeping. A consumer reports "closed" only when `tail` is
 * closed and `head` has caught up with it: nothing can still arrive.
 *
 * @module
 */
import { QueueShutDown, TimeoutError } from "../internal/errors.js";
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { checkInteger, checkOptions, given } from "../internal/validate.js";
import { type Encoded, measure, read, write } from "./queue-codec.js";
import { assertCanBlock, checkWait, parseWait, type SyncWaitOptions, type WaitOptions, waitAsync, waitSync } from "./wait.js";
import { untilShutDown, untilShutDownSync } from "../internal/drain.js";

const KEY = "juggle/shared-memory:SharedQueue";
// Int32 indices in the header; head and tail sit 64 bytes apart.
const HEAD = 0;
const TAIL = 16;
const GET_WAITING = 48;
const PUT_SEQ = 49;
const PUT_WAITING = 64;
const GET_SEQ = 65;
const CAPACITY = 96;
const MESSAGE_SIZE = 97;
/** Messages the queue holds at most (`capacity`); the ring has the next power of two of slots. */
const LIMIT = 98;
const HEADER_BYTES = 512;
const SLOT_HEADER = 8;
/**
 * Most polls of the queue before a blocking call sleeps. The budget adapts
 * per queue object: it doubles when spinning found a message and halves when
 * it did not, so an idle or oversubscribed machine (where the other thread
 * is not running, and spinning only delays it) soon stops spinning.
 */
const SPIN_MAX = 2048;
const SPIN_MIN = 8;
/** `tail`'s closed bit, and the mask of a 31-bit position. */
const CLOSED_BIT = 0x80000000 | 0;
const POS = 0x7fffffff;

/** Signed distance between two 31-bit positions. */
function dist(a: number, b: number): number {
  return ((a - b) << 1) >> 1;
}

/** Options of `new SharedQueue()`. */
export interface SharedQueueOptions {
  /** Messages the queue holds at most (1 to 2^24). Default 1024. */
  capacity?: number;
  /** Largest message in bytes (rounded up to a multiple of 8). Default 1024. */
  messageSize?: number;
}

/** Result of `tryPut`. */
export type TryPutResult = { state: "ok" } | { state: "full" } | { state: "closed" };
/** Result of `tryGet`. */
export type TryGetResult<T> = { state: "ok"; value: T } | { state: "empty" } | { state: "closed" };

const OK: TryPutResult = Object.freeze({ state: "ok" });
const FULL: TryPutResult = Object.freeze({ state: "full" });
const CLOSED_RESULT = Object.freeze({ state: "closed" }) as { state: "closed" };
const EMPTY = Object.freeze({ state: "empty" }) as { state: "empty" };

/**
 * A bounded multi-producer multi-consumer queue in shared memory for numbers,
 * strings, byte arrays and structured-clonable messages. Pass it to workers
 * as a task argument; every thread puts and gets on the same memory, with no
 * `postMessage` on the way. `close()` ends it for everyone: puts are refused,
 * and gets drain what is left, then report the queue closed (the poison pill,
 * done once).
 *
 * Each message is copied into a fixed-size slot, so the largest message is
 * `messageSize` bytes; a larger one is refused with its size.
 *
 * Python: `multiprocessing.Queue` / `queue.Queue` (with 3.13's `shutdown()` as `close()`).
 *
 * @example A worker consumes until the queue is closed
 * ```ts
 * import { SharedQueue } from "juggle-core/shared-memory";
 * const q = new SharedQueue<string>({ capacity: 256, messageSize: 64 });
 * // worker: for (const item of q.valuesSync()) handle(item);
 * await q.put("hello");
 * q.close();
 * ```
 */
export class SharedQueue<T = unknown> {
  /** The memory the queue lives in. */
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #buf: Buffer;
  readonly #mask: number;
  /** `capacity`: fewer than the slots when it is not a power of two (or is 1). */
  readonly #limit: number;
  readonly #messageSize: number;
  /** Slot stride in Int32 units. */
  readonly #stride: number;
  readonly #enc: Encoded = { kind: 0, size: 0, bytes: undefined };
  #spin = SPIN_MAX;

  /**
   * @throws {RangeError} When `capacity` or `messageSize` is out of range.
   */
  constructor(options?: SharedQueueOptions);
  /** @internal Attaches to an existing queue. */
  constructor(options: undefined, buffer: SharedArrayBuffer);
  constructor(options?: SharedQueueOptions, buffer?: SharedArrayBuffer) {
    if (buffer === undefined) {
      const o = checkOptions<SharedQueueOptions>("create SharedQueue", options);
      const requested = checkInteger("create SharedQueue", "capacity", given(o.capacity, 1024), { min: 1, max: 1 << 24 });
      const size = checkInteger("create SharedQueue", "messageSize", given(o.messageSize, 1024), { min: 1, max: 1 << 27 });
      // Two slots at least: with one, "free for the next lap" and
      // "published" would be the same sequence number. A power of two of
      // them (the ring indexes with a mask); `LIMIT` keeps the queue to the
      // capacity asked for.
      let capacity = 2;
      while (capacity < requested) capacity *= 2;
      const messageSize = Math.ceil(size / 8) * 8;
      buffer = new SharedArrayBuffer(HEADER_BYTES + capacity * (SLOT_HEADER + messageSize));
      const i32 = new Int32Array(buffer);
      i32[CAPACITY] = capacity;
      i32[MESSAGE_SIZE] = messageSize;
      i32[LIMIT] = requested;
      const stride = (SLOT_HEADER + messageSize) >> 2;
      for (let p = 0; p < capacity; p++) i32[(HEADER_BYTES >> 2) + p * stride] = p;
    }
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#buf = Buffer.from(buffer);
    this.#mask = (this.#i32[CAPACITY] as number) - 1;
    this.#limit = this.#i32[LIMIT] as number;
    this.#messageSize = this.#i32[MESSAGE_SIZE] as number;
    this.#stride = (SLOT_HEADER + this.#messageSize) >> 2;
  }

  /** Messages the queue holds at most (the `capacity` asked for). */
  get capacity(): number {
    return this.#limit;
  }

  /** Largest message in bytes. */
  get messageSize(): number {
    return this.#messageSize;
  }

  /** Messages in the queue now (a snapshot; may include ones being written or read). */
  get size(): number {
    const n = dist(Atomics.load(this.#i32, TAIL) & POS, Atomics.load(this.#i32, HEAD));
    return Math.max(0, Math.min(n, this.#limit));
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return Atomics.load(this.#i32, TAIL) < 0;
  }

  /** Int32 index of slot `pos`'s sequence word. */
  #slot(pos: number): number {
    return (HEADER_BYTES >> 2) + (pos & this.#mask) * this.#stride;
  }

  /**
   * Puts `message` if there is room, without waiting.
   *
   * @throws {RangeError} When the message is larger than `messageSize`.
   */
  tryPut(message: T): TryPutResult {
    return this.#tryPut(message, measure(message, this.#messageSize, this.#enc));
  }

  #tryPut(message: T, e: Encoded): TryPutResult {
    const i32 = this.#i32;
    let slot: number;
    let pos = Atomics.load(i32, TAIL);
    for (;;) {
      if (pos < 0) return CLOSED_RESULT;
      slot = this.#slot(pos);
      const dif = dist(Atomics.load(i32, slot), pos);
      if (dif === 0) {
        // Fewer messages allowed than slots: full at `limit`. HEAD only
        // grows, so a stale read can only make this refuse, never overfill
        // (the claim below succeeds only if TAIL is still `pos`).
        if (this.#limit <= this.#mask && dist(pos, Atomics.load(i32, HEAD)) >= this.#limit) return FULL;
        const seen = Atomics.compareExchange(i32, TAIL, pos, (pos + 1) & POS);
        if (seen === pos) break;
        pos = seen;
      } else if (dif < 0) {
        return FULL;
      } else {
        pos = Atomics.load(i32, TAIL);
      }
    }
    const length = write(this.#buf, this.#f64, (slot + 2) << 2, message, e);
    i32[slot + 1] = (e.kind << 28) | length;
    Atomics.store(i32, slot, (pos + 1) & POS);
    if (Atomics.load(i32, GET_WAITING) !== 0) {
      Atomics.add(i32, PUT_SEQ, 1);
      Atomics.notify(i32, PUT_SEQ, 1);
    }
    return OK;
  }

  /** Takes the oldest message if there is one, without waiting. */
  tryGet(): TryGetResult<T> {
    const i32 = this.#i32;
    let pos = Atomics.load(i32, HEAD);
    let slot: number;
    for (;;) {
      slot = this.#slot(pos);
      const dif = dist(Atomics.load(i32, slot), (pos + 1) & POS);
      if (dif === 0) {
        const seen = Atomics.compareExchange(i32, HEAD, pos, (pos + 1) & POS);
        if (seen === pos) break;
        pos = seen;
      } else if (dif < 0) {
        const tail = Atomics.load(i32, TAIL);
        return tail < 0 && (tail & POS) === Atomics.load(i32, HEAD) ? CLOSED_RESULT : EMPTY;
      } else {
        pos = Atomics.load(i32, HEAD);
      }
    }
    const meta = i32[slot + 1] as number;
    const value = read(this.#buf, this.#f64, (slot + 2) << 2, meta >>> 28, meta & 0x0fffffff) as T;
    Atomics.store(i32, slot, (pos + this.#mask + 1) & POS);
    if (Atomics.load(i32, PUT_WAITING) !== 0) {
      Atomics.add(i32, GET_SEQ, 1);
      Atomics.notify(i32, GET_SEQ, 1);
    }
    return { state: "ok", value };
  }

  #wakeAll(): void {
    const i32 = this.#i32;
    Atomics.add(i32, PUT_SEQ, 1);
    Atomics.notify(i32, PUT_SEQ);
    Atomics.add(i32, GET_SEQ, 1);
    Atomics.notify(i32, GET_SEQ);
  }

  /**
   * Puts `message`, waiting without blocking the event loop while the queue is full.
   *
   * @throws {QueueShutDown} When the queue is closed.
   * @throws {TimeoutError} When `timeout` runs out first.
   * @throws The signal's reason when `signal` aborts (nothing is put).
   */
  async put(message: T, options?: WaitOptions): Promise<void> {
    checkWait("put in SharedQueue", options);
    // Measured (and serialized) once; kept in a local as other puts may reuse #enc.
    const e = { ...measure(message, this.#messageSize, this.#enc) };
    let r = this.#tryPut(message, e);
    if (r.state === "full") {
      const { deadline, signal } = parseWait("put in SharedQueue", options);
      const i32 = this.#i32;
      while (r.state === "full") {
        Atomics.add(i32, PUT_WAITING, 1);
        let w: string;
        try {
          const s = Atomics.load(i32, GET_SEQ);
          r = this.#tryPut(message, e);
          if (r.state !== "full") break;
          w = await waitAsync(i32, GET_SEQ, s, deadline, signal);
        } finally {
          Atomics.sub(i32, PUT_WAITING, 1);
        }
        r = this.#tryPut(message, e);
        if (r.state === "full" && w === "timed-out") throw this.#timeout("put in", options);
      }
    }
    if (r.state === "closed") throw shutDown("put in");
  }

  /**
   * Blocking form of {@link put} for workers.
   *
   * @throws {JuggleError} On the main thread (use `put()`).
   */
  putSync(message: T, options?: SyncWaitOptions): void {
    assertCanBlock("SharedQueue.putSync()", "await queue.put()");
    checkWait("put in SharedQueue", options);
    const e = measure(message, this.#messageSize, this.#enc);
    let r = this.#tryPut(message, e);
    if (r.state === "full") {
      const { deadline } = parseWait("put in SharedQueue", options);
      const i32 = this.#i32;
      for (let n = 0; n < this.#spin && r.state === "full"; n++) r = this.#tryPut(message, e);
      this.#spin = r.state === "full" ? Math.max(SPIN_MIN, this.#spin >> 1) : Math.min(SPIN_MAX, this.#spin << 1);
      while (r.state === "full") {
        Atomics.add(i32, PUT_WAITING, 1);
        let w: string;
        try {
          const s = Atomics.load(i32, GET_SEQ);
          r = this.#tryPut(message, e);
          if (r.state !== "full") break;
          w = waitSync(i32, GET_SEQ, s, deadline);
        } finally {
          Atomics.sub(i32, PUT_WAITING, 1);
        }
        r = this.#tryPut(message, e);
        if (r.state === "full" && w === "timed-out") throw this.#timeout("put in", options);
      }
    }
    if (r.state === "closed") throw shutDown("put in");
  }

  /**
   * Takes the oldest message, waiting without blocking the event loop while
   * the queue is empty.
   *
   * @throws {QueueShutDown} When the queue is closed and empty.
   * @throws {TimeoutError} When `timeout` runs out first.
   * @throws The signal's reason when `signal` aborts (nothing is taken).
   */
  async get(options?: WaitOptions): Promise<T> {
    checkWait("get from SharedQueue", options);
    let r = this.tryGet();
    if (r.state === "empty") {
      const { deadline, signal } = parseWait("get from SharedQueue", options);
      const i32 = this.#i32;
      while (r.state === "empty") {
        Atomics.add(i32, GET_WAITING, 1);
        let w: string;
        try {
          const s = Atomics.load(i32, PUT_SEQ);
          r = this.tryGet();
          if (r.state !== "empty") break;
          w = await waitAsync(i32, PUT_SEQ, s, deadline, signal);
        } finally {
          Atomics.sub(i32, GET_WAITING, 1);
        }
        r = this.tryGet();
        if (r.state === "empty" && w === "timed-out") throw this.#timeout("get from", options);
      }
    }
    if (r.state === "closed") throw shutDown("get from");
    return r.value;
  }

  /**
   * Blocking form of {@link get} for workers.
   *
   * @throws {JuggleError} On the main thread (use `get()`).
   */
  getSync(options?: SyncWaitOptions): T {
    assertCanBlock("SharedQueue.getSync()", "await queue.get()");
    checkWait("get from SharedQueue", options);
    let r = this.tryGet();
    if (r.state === "empty") {
      const { deadline } = parseWait("get from SharedQueue", options);
      const i32 = this.#i32;
      // Spin first on the cheap check "is the head slot published?".
      for (let n = 0; n < this.#spin; n++) {
        const pos = Atomics.load(i32, HEAD);
        if (Atomics.load(i32, this.#slot(pos)) === ((pos + 1) & POS) || Atomics.load(i32, TAIL) < 0) {
          r = this.tryGet();
          if (r.state !== "empty") break;
        }
      }
      this.#spin = r.state === "empty" ? Math.max(SPIN_MIN, this.#spin >> 1) : Math.min(SPIN_MAX, this.#spin << 1);
      while (r.state === "empty") {
        Atomics.add(i32, GET_WAITING, 1);
        let w: string;
        try {
          const s = Atomics.load(i32, PUT_SEQ);
          r = this.tryGet();
          if (r.state !== "empty") break;
          w = waitSync(i32, PUT_SEQ, s, deadline);
        } finally {
          Atomics.sub(i32, GET_WAITING, 1);
        }
        r = this.tryGet();
        if (r.state === "empty" && w === "timed-out") throw this.#timeout("get from", options);
      }
    }
    if (r.state === "closed") throw shutDown("get from");
    return r.value;
  }

  /**
   * Waits (without blocking the event loop) for at least one message, then
   * takes up to `max` messages that are ready, in order, in one call.
   *
   * @throws {QueueShutDown} When the queue is closed and empty.
   * @throws {TimeoutError} When `timeout` runs out before the first message.
   */
  async getMany(max: number, options?: WaitOptions): Promise<T[]> {
    checkInteger("get from SharedQueue", "max", max, { min: 1 });
    const out = [await this.get(options)];
    return this.#drainInto(out, max);
  }

  /**
   * Blocking form of {@link getMany} for workers: a consumer that handles
   * messages in batches pays for one wait per batch at most.
   *
   * @throws {JuggleError} On the main thread (use `getMany()`).
   */
  getManySync(max: number, options?: SyncWaitOptions): T[] {
    checkInteger("get from SharedQueue", "max", max, { min: 1 });
    const out = [this.getSync(options)];
    return this.#drainInto(out, max);
  }

  #drainInto(out: T[], max: number): T[] {
    while (out.length < max) {
      const r = this.tryGet();
      if (r.state !== "ok") break;
      out.push(r.value);
    }
    return out;
  }

  #timeout(what: string, options: { timeout?: number } | undefined): TimeoutError {
    return new TimeoutError(`Cannot ${what} SharedQueue as the wait timed out after ${options?.timeout} ms`);
  }

  /**
   * Closes the queue for everyone: puts are refused from now on; gets return
   * what is left, then report the queue closed. Wakes every waiter.
   * Python: `Queue.shutdown()`.
   */
  close(): void {
    Atomics.or(this.#i32, TAIL, CLOSED_BIT);
    this.#wakeAll();
  }

  /** Iterates (in a worker, blocking) over messages until the queue is closed and drained. */
  valuesSync(): Generator<T, void, undefined> {
    return untilShutDownSync(() => this.getSync());
  }

  /** Iterates over messages until the queue is closed and drained. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return untilShutDown(() => this.get());
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: { sab: this.buffer } };
  }
}

function shutDown(what: string): QueueShutDown {
  return new QueueShutDown(`Cannot ${what} SharedQueue as it is closed`);
}

registerReviver(KEY, (state) => new SharedQueue(undefined, (state as { sab: SharedArrayBuffer }).sab));
