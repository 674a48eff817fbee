/**
 * The task module of the RLock example ("Concurrent Programming"): an account whose
 * operations each take the account's lock, and one operation built from two
 * others, so the lock is taken again by the thread that holds it.
 *
 * @module
 */
import { TimeoutError } from "juggle-core";
import { type Lock, type RLock, type Value, withLockSync } from "juggle-core/shared-memory";

/** Adds `amount` under the account's lock (locking the *code*, as "Concurrent Programming" puts it). */
function deposit(lock: RLock, balance: Value<"int32">, amount: number): void {
  withLockSync(lock, () => balance.store(balance.load() + amount));
}

/**
 * Deposits twice as one step: holds the lock across both, so no other thread
 * sees the balance between them. `deposit` takes the same lock again inside:
 * fine with an `RLock` (its owner may re-acquire it), a deadlock with a `Lock`.
 */
function depositTwice(lock: RLock, balance: Value<"int32">, amount: number): void {
  withLockSync(lock, () => {
    deposit(lock, balance, amount);
    deposit(lock, balance, amount);
  });
}

/** Runs `depositTwice(1)` `times` times. */
export function depositPairs(lock: RLock, balance: Value<"int32">, times: number): void {
  for (let i = 0; i < times; i++) depositTwice(lock, balance, 1);
}

/**
 * What the same nesting does with a plain `Lock`: the thread waits for
 * itself. The inner acquire has a timeout, so the deadlock shows up as a
 * `TimeoutError` instead of a hang; returns its message.
 */
export function nestWithPlainLock(lock: Lock, waitMs: number): string {
  try {
    withLockSync(lock, () => withLockSync(lock, () => {}, { timeout: waitMs }));
    return "no deadlock";
  } catch (error) {
    if (error instanceof TimeoutError) return `deadlock: ${error.message}`;
    throw error;
  }
}
