/**
 * `Condition`: a condition variable in shared memory, bound to a shared
 * `Lock` or `RLock`.
 *
 * Layout (Int32): `[seq, waiting, tokens]`. A futex-style sequence counter:
 * a waiter reads `seq` while it holds the lock, releases the lock, and sleeps
 * while `seq` is unchanged, so a notify between the release and the sleep is
 * never missed. `notify(n)` moves up to `n` registered waiters from `waiting`
 * to `tokens`, bumps `seq` and wakes them; a waiter returns `true` only after
 * taking a token, so `notify(n)` lets at most `n` waiters through even when
 * more of them wake up. Only a waiter that registered before some notify
 * (the `seq` it read under the lock has changed since) may take a token: a
 * thread that notifies and then waits again must not take back the token it
 * just gave (that was a deadlock the ping-pong test found). The invariant
 * `waiting + tokens = waiters not yet returned` lets a waiter that times out
 * or is aborted leave cleanly: a counted waiter takes its token, any other
 * takes itself out of `waiting`, so no notification is lost. Which of the
 * counted waiters wakes is not specified (Python's is FIFO).
 *
 * @module
 */
import { JuggleError } from "../internal/errors.js";
import { registerReviver, type SharedDescriptor, shareable } from "../internal/shareable.js";
import { checkFunction } from "../internal/validate.js";
import { Lock, mutexLockAsync, mutexLockSync, mutexUnlock } from "./lock.js";
import { RLock } from "./rlock.js";
import { assertCanBlock, parseWait, remaining, type SyncWaitOptions, type WaitOptions, waitAsync, waitSync } from "./wait.js";

const KEY = "juggle/shared-memory:Condition";
const SEQ = 0;
const WAITING = 1;
const TOKENS = 2;

/**
 * A condition variable in shared memory: threads wait, holding its lock,
 * until another thread changes shared state and calls `notify`. Always wait
 * in a loop on the state you need (or use `waitFor`).
 *
 * The lock is a shared {@link Lock} by default (Python defaults to an
 * `RLock`; on the main thread an `RLock` is shared by every async task, so a
 * plain lock is the safer default). Pass an {@link RLock} to use one.
 *
 * Python: `threading.Condition` / `multiprocessing.Condition`.
 *
 * @example A worker waits until the main thread publishes a value
 * ```ts
 * import { Condition, withLock } from "juggle-core/shared-memory";
 * const ready = new Condition();
 * // worker: withLockSync(ready, () => ready.waitForSync(() => flag[0] === 1));
 * await withLock(ready, () => {
 *   // flag[0] = 1;
 *   ready.notifyAll();
 * });
 * ```
 */
export class Condition {
  /** The memory the condition's counters live in. */
  readonly buffer: SharedArrayBuffer;
  /** The lock the condition is bound to. */
  readonly lock: Lock | RLock;
  readonly #i32: Int32Array;

  /** @param lock The lock to bind (default: a new `Lock`). */
  constructor(lock?: Lock | RLock);
  /** @internal Attaches to an existing condition. */
  constructor(lock: Lock | RLock, buffer: SharedArrayBuffer);
  constructor(lock: Lock | RLock = new Lock(), buffer?: SharedArrayBuffer) {
    if (!(lock instanceof Lock || lock instanceof RLock)) {
      throw new TypeError("Cannot create Condition as 'lock' must be a shared Lock or RLock");
    }
    this.lock = lock;
    this.buffer = buffer ?? new SharedArrayBuffer(12);
    this.#i32 = new Int32Array(this.buffer);
  }

  /** Acquires the bound lock (so a condition works with `withLock`). */
  acquire(options?: WaitOptions): Promise<boolean> {
    return this.lock.acquire(options);
  }

  /** Blocking acquire of the bound lock, for workers. */
  acquireSync(options?: SyncWaitOptions): boolean {
    return this.lock.acquireSync(options);
  }

  /** Releases the bound lock. */
  release(): void {
    this.lock.release();
  }

  #checkHeld(action: string): void {
    const held = this.lock instanceof RLock ? this.lock.owned : this.lock.locked;
    if (!held) throw new JuggleError(`Cannot ${action} as its lock is not held`, "ERR_JUGGLE_NOT_LOCKED");
  }

  /** Releases the lock fully; returns what `#relock*` needs to restore it. */
  #unlock(): number {
    if (this.lock instanceof RLock) return this.lock.releaseAll();
    const [i32, i] = this.lock.mutex;
    mutexUnlock(i32, i, "Lock");
    return 1;
  }

  async #relock(saved: number): Promise<void> {
    const [i32, i] = this.lock.mutex;
    await mutexLockAsync(i32, i, Number.POSITIVE_INFINITY, undefined);
    if (this.lock instanceof RLock) this.lock.restore(saved);
  }

  #relockSync(saved: number): void {
    const [i32, i] = this.lock.mutex;
    mutexLockSync(i32, i, Number.POSITIVE_INFINITY);
    if (this.lock instanceof RLock) this.lock.restore(saved);
  }

  #takeToken(): boolean {
    const i32 = this.#i32;
    let t = Atomics.load(i32, TOKENS);
    while (t > 0) {
      const seen = Atomics.compareExchange(i32, TOKENS, t, t - 1);
      if (seen === t) return true;
      t = seen;
    }
    return false;
  }

  /**
   * Unregisters a waiter that gives up (timeout, abort). A waiter a notify
   * has counted takes its token (and reports `true`: it was notified);
   * otherwise it takes itself out of `waiting`, so no later notify is spent
   * on it.
   */
  #leave(g: number): boolean {
    const i32 = this.#i32;
    for (;;) {
      if (Atomics.load(i32, SEQ) !== g && this.#takeToken()) return true;
      const w = Atomics.load(i32, WAITING);
      if (w > 0 && Atomics.compareExchange(i32, WAITING, w, w - 1) === w) return false;
    }
  }

  /**
   * Releases the lock, waits for a notify (or the timeout), and reacquires the
   * lock before returning, also when aborted.
   *
   * @returns `true` when notified, `false` when `timeout` ran out.
   * @throws {JuggleError} When the lock is not held.
   * @throws The signal's reason when `signal` aborts (the lock is held again).
   */
  async wait(options?: WaitOptions): Promise<boolean> {
    const { deadline, signal } = parseWait("wait on Condition", options);
    this.#checkHeld("wait on Condition");
    const i32 = this.#i32;
    Atomics.add(i32, WAITING, 1);
    const g = Atomics.load(i32, SEQ);
    const saved = this.#unlock();
    let notified = false;
    let failure: { error: unknown } | undefined;
    try {
      for (;;) {
        const s = Atomics.load(i32, SEQ);
        if (s !== g && this.#takeToken()) {
          notified = true;
          break;
        }
        if ((await waitAsync(i32, SEQ, s, deadline, signal)) === "timed-out") {
          notified = this.#leave(g);
          break;
        }
      }
    } catch (error) {
      this.#leave(g);
      failure = { error };
    }
    await this.#relock(saved);
    if (failure) throw failure.error;
    return notified;
  }

  /**
   * Blocking form of {@link wait} for workers.
   *
   * @throws {JuggleError} On the main thread, or when the lock is not held.
   */
  waitSync(options?: SyncWaitOptions): boolean {
    assertCanBlock("Condition.waitSync()", "await condition.wait()");
    const { deadline } = parseWait("wait on Condition", options);
    this.#checkHeld("wait on Condition");
    const i32 = this.#i32;
    Atomics.add(i32, WAITING, 1);
    const g = Atomics.load(i32, SEQ);
    const saved = this.#unlock();
    let notified = false;
    for (;;) {
      const s = Atomics.load(i32, SEQ);
      if (s !== g && this.#takeToken()) {
        notified = true;
        break;
      }
      if (waitSync(i32, SEQ, s, deadline) === "timed-out") {
        notified = this.#leave(g);
        break;
      }
    }
    this.#relockSync(saved);
    return notified;
  }

  /**
   * Waits until `predicate()` is true (checked with the lock held), or the
   * timeout runs out. Returns the predicate's last result.
   *
   * Python: `wait_for(predicate, timeout)`.
   */
  async waitFor<T>(predicate: () => T, options?: WaitOptions): Promise<T> {
    checkFunction("wait on Condition", "predicate", predicate);
    const { deadline, signal } = parseWait("wait on Condition", options);
    let result = predicate();
    while (!result) {
      const ms = remaining(deadline);
      if (ms <= 0) break;
      await this.wait({ timeout: ms, signal });
      result = predicate();
    }
    return result;
  }

  /** Blocking form of {@link waitFor} for workers. */
  waitForSync<T>(predicate: () => T, options?: SyncWaitOptions): T {
    checkFunction("wait on Condition", "predicate", predicate);
    const { deadline } = parseWait("wait on Condition", options);
    let result = predicate();
    while (!result) {
      const ms = remaining(deadline);
      if (ms <= 0) break;
      this.waitSync({ timeout: ms });
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiters (default 1). The lock must be held.
   *
   * @throws {JuggleError} When the lock is not held.
   */
  notify(n = 1): void {
    this.#checkHeld("notify Condition");
    if (!(n >= 0)) throw new RangeError(`Cannot notify Condition as 'n' must be a non-negative number: received ${n}`);
    const i32 = this.#i32;
    let k = 0;
    let w = Atomics.load(i32, WAITING);
    while (w > 0) {
      k = Math.min(n, w);
      const seen = Atomics.compareExchange(i32, WAITING, w, w - k);
      if (seen === w) break;
      w = seen;
      k = 0;
    }
    if (k === 0) return;
    Atomics.add(i32, TOKENS, k);
    Atomics.add(i32, SEQ, 1);
    Atomics.notify(i32, SEQ, k);
  }

  /** Wakes every waiter. The lock must be held. Python: `notify_all()`. */
  notifyAll(): void {
    this.notify(Number.POSITIVE_INFINITY);
  }

  /** @internal The shareable descriptor. */
  [shareable](): SharedDescriptor {
    const reentrant = this.lock instanceof RLock;
    const [, index] = this.lock.mutex;
    return {
      $shared: KEY,
      module: import.meta.url,
      state: { sab: this.buffer, lockSab: this.lock.buffer, lockIndex: index, reentrant },
    };
  }
}

registerReviver(KEY, (state) => {
  const s = state as { sab: SharedArrayBuffer; lockSab: SharedArrayBuffer; lockIndex: number; reentrant: boolean };
  const lock = s.reentrant ? new RLock(s.lockSab) : new Lock(s.lockSab, s.lockIndex);
  return new Condition(lock, s.sab);
});
