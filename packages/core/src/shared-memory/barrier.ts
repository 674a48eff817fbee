/**
 * `Barrier`: a fixed number of threads wait until all of them have arrived.
 *
 * Layout (Int32): `[guard, count, generation, broken, parties, epoch, resetBits]`.
 * The few fields change together under `guard`, a spin lock held for a
 * handful of instructions (never across a wait). Waiters sleep on `epoch`,
 * which every state change (the last arrival, `abort`, `reset`, a timeout)
 * bumps before it notifies; a waiter reads `epoch` under the guard, so it
 * cannot miss a change. `resetBits` has bit `generation % 32` set when that
 * generation ended by `reset()` rather than by its last arrival.
 *
 * @module
 */
import { BrokenBarrierError } from "../internal/errors.js";
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { checkInteger } from "../internal/validate.js";
import { assertCanBlock, parseWait, type SyncWaitOptions, type WaitOptions, waitAsync, waitSync } from "./wait.js";

const KEY = "juggle/shared-memory:Barrier";
const GUARD = 0;
const COUNT = 1;
const GEN = 2;
const BROKEN = 3;
const PARTIES = 4;
const EPOCH = 5;
const RESET_BITS = 6;

/**
 * A barrier for a fixed number of parties in shared memory: each `wait`
 * blocks until `parties` threads have called it, then all are released and
 * the barrier can be used again. A timeout breaks the barrier (as in Python):
 * every waiter then gets a `BrokenBarrierError` until `reset()`.
 *
 * Python: `threading.Barrier` / `multiprocessing.Barrier`.
 *
 * @example Two workers start a phase together
 * ```ts
 * import { Barrier } from "juggle-core/shared-memory";
 * const start = new Barrier(3); // two workers + the main thread
 * // in each worker: start.waitSync();
 * await start.wait({ timeout: 5_000 });
 * ```
 */
export class Barrier {
  /** The memory the barrier lives in. */
  readonly buffer: SharedArrayBuffer;
  readonly #i32: Int32Array;

  /**
   * @param parties Threads that must arrive to release the barrier.
   * @throws {RangeError} When `parties` is not a positive integer.
   */
  constructor(parties: number);
  /** @internal Attaches to an existing barrier. */
  constructor(parties: number, buffer: SharedArrayBuffer);
  constructor(parties: number, buffer?: SharedArrayBuffer) {
    if (buffer === undefined) {
      checkInteger("create Barrier", "parties", parties, { min: 1, max: 0x7fffffff });
      buffer = new SharedArrayBuffer(28);
      new Int32Array(buffer)[PARTIES] = parties;
    }
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer);
  }

  /** Threads required to pass the barrier. */
  get parties(): number {
    return this.#i32[PARTIES] as number;
  }

  /** Threads waiting now. Python: `n_waiting`. */
  get waiting(): number {
    return Atomics.load(this.#i32, COUNT);
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return Atomics.load(this.#i32, BROKEN) !== 0;
  }

  #lock(): void {
    while (Atomics.compareExchange(this.#i32, GUARD, 0, 1) !== 0) {
      // Held for a few instructions only; nothing to sleep on.
    }
  }

  #unlock(): void {
    Atomics.store(this.#i32, GUARD, 0);
  }

  /** Changes state (guard held) and wakes every sleeper. */
  #bump(): void {
    Atomics.add(this.#i32, EPOCH, 1);
    Atomics.notify(this.#i32, EPOCH);
  }

  /** Arrives; returns `{ index }` when this arrival released the barrier, else what to wait for. */
  #arrive(): { index: number; gen: number; epoch: number; done: boolean } {
    const i32 = this.#i32;
    this.#lock();
    try {
      if (i32[BROKEN]) throw new BrokenBarrierError("Cannot wait on Barrier as it is broken");
      const index = i32[COUNT] as number;
      const gen = i32[GEN] as number;
      if (index + 1 === i32[PARTIES]) {
        Atomics.store(i32, COUNT, 0);
        Atomics.and(i32, RESET_BITS, ~(1 << (gen & 31)));
        Atomics.store(i32, GEN, (gen + 1) | 0);
        this.#bump();
        return { index, gen, epoch: 0, done: true };
      }
      Atomics.store(i32, COUNT, index + 1);
      return { index, gen, epoch: i32[EPOCH] as number, done: false };
    } finally {
      this.#unlock();
    }
  }

  /** Checks the state after a wake-up: `true` when released, `false` to keep waiting; throws when broken. */
  #check(gen: number): boolean {
    const i32 = this.#i32;
    if (Atomics.load(i32, GEN) !== gen) {
      if (Atomics.load(i32, RESET_BITS) & (1 << (gen & 31))) {
        throw new BrokenBarrierError("Cannot pass Barrier as it was reset while waiting");
      }
      return true;
    }
    if (Atomics.load(i32, BROKEN)) throw new BrokenBarrierError("Cannot pass Barrier as it was broken while waiting");
    return false;
  }

  /** Gives up waiting: on timeout the barrier breaks; on abort the arrival is withdrawn. */
  #giveUp(gen: number, breakIt: boolean): boolean {
    const i32 = this.#i32;
    this.#lock();
    try {
      if (this.#check(gen)) return true; // released just in time
      if (breakIt) {
        Atomics.store(i32, BROKEN, 1);
        this.#bump();
      } else {
        Atomics.sub(i32, COUNT, 1);
      }
      return false;
    } finally {
      this.#unlock();
    }
  }

  /**
   * Waits, without blocking the event loop, until `parties` threads are waiting.
   *
   * @returns This thread's arrival index, `0` … `parties - 1` (the last to arrive gets `parties - 1`).
   * @throws {BrokenBarrierError} When the barrier is or becomes broken or reset,
   *   or the timeout runs out (which breaks it).
   * @throws The signal's reason when `signal` aborts (the arrival is withdrawn).
   */
  async wait(options?: WaitOptions): Promise<number> {
    const { deadline, signal } = parseWait("wait on Barrier", options);
    const a = this.#arrive();
    if (a.done) return a.index;
    let epoch = a.epoch;
    for (;;) {
      let r: string;
      try {
        r = await waitAsync(this.#i32, EPOCH, epoch, deadline, signal);
      } catch (error) {
        if (this.#giveUp(a.gen, false)) return a.index;
        throw error;
      }
      epoch = Atomics.load(this.#i32, EPOCH);
      if (this.#check(a.gen)) return a.index;
      if (r === "timed-out") {
        if (this.#giveUp(a.gen, true)) return a.index;
        throw new BrokenBarrierError("Cannot pass Barrier as the wait timed out: the barrier is now broken");
      }
    }
  }

  /**
   * Blocking form of {@link wait} for workers.
   *
   * @throws {JuggleError} On the main thread (use `wait()`).
   */
  waitSync(options?: SyncWaitOptions): number {
    assertCanBlock("Barrier.waitSync()", "await barrier.wait()");
    const { deadline } = parseWait("wait on Barrier", options);
    const a = this.#arrive();
    if (a.done) return a.index;
    let epoch = a.epoch;
    for (;;) {
      const r = waitSync(this.#i32, EPOCH, epoch, deadline);
      epoch = Atomics.load(this.#i32, EPOCH);
      if (this.#check(a.gen)) return a.index;
      if (r === "timed-out") {
        if (this.#giveUp(a.gen, true)) return a.index;
        throw new BrokenBarrierError("Cannot pass Barrier as the wait timed out: the barrier is now broken");
      }
    }
  }

  /** Breaks the barrier: current and future waits throw `BrokenBarrierError` until `reset()`. */
  abort(): void {
    this.#lock();
    Atomics.store(this.#i32, BROKEN, 1);
    this.#bump();
    this.#unlock();
  }

  /** Returns the barrier to its empty, unbroken state; threads waiting now get `BrokenBarrierError`. */
  reset(): void {
    const i32 = this.#i32;
    this.#lock();
    if (i32[COUNT] !== 0) {
      const gen = i32[GEN] as number;
      Atomics.or(i32, RESET_BITS, 1 << (gen & 31));
      Atomics.store(i32, GEN, (gen + 1) | 0);
      Atomics.store(i32, COUNT, 0);
    }
    Atomics.store(i32, BROKEN, 0);
    this.#bump();
    this.#unlock();
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: { sab: this.buffer } };
  }
}

registerReviver(KEY, (state) => new Barrier(0, (state as { sab: SharedArrayBuffer }).sab));
