/**
 * The per-key states of a {@link KeyedLimiter}: the keys it tracks, the idle
 * keys kept while their rate history matters (swept by one unref'd timer),
 * and forgotten states kept for reuse.
 *
 * A state lives for as long as its key is active and, with a rate, until its
 * last start has left the rate's memory; then it is forgotten. Forgotten
 * states are as good as new (idle, no queue, no rate history that still
 * counts), so up to {@link SPARE_STATES} of them are kept and handed to new
 * keys: keys that come and go with a task or two allocate nothing, and their
 * `done`/`failed` reactions are made once per state, not once per task.
 *
 * A cooling key that comes back to work stays in the cooling set until the
 * next sweep (which unlists it) instead of leaving and re-entering it on every
 * task: with many keys, that churn of the set cost more than the rest of a
 * task's bookkeeping.
 *
 * @internal
 * @module
 */
import { TIMER_MAX } from "../internal/long-timer.js";
import { WaiterList } from "../internal/waiters.js";
import type { LimiterKey } from "./keyed-limiter.js";
import { RateLimiter, type RateLimiterOptions } from "./rate-limiter.js";
import type { Waiter } from "./waiter.js";

/**
 * How many forgotten key states are kept for reuse: enough for the churn of
 * keys that come and go (the 10,000-key benchmark keeps 1,000 tasks in flight
 * over 10,000 keys), a few tens of kilobytes at most, whatever the number of
 * keys seen.
 */
const SPARE_STATES = 256;

/** A queued task: woken with its key's state once it may start. */
export type KeyTask = Waiter<KeyState, LimiterKey>;

/** @internal One key's state. */
export interface KeyState {
  /** Changes only when a forgotten state is reused for another key. */
  key: LimiterKey;
  readonly queue: WaiterList<KeyTask>;
  readonly rate: RateLimiter | undefined;
  running: number;
  /** Has running or queued tasks. */
  active: boolean;
  /** In the limiter's ring of keys waiting for `total`. */
  inRing: boolean;
  /** Idle, kept while its rate history matters. */
  cooling: boolean;
  /** In the cooling set (a key back at work leaves it at the next sweep). */
  listed: boolean;
  /** The time of its last start (with a rate). */
  lastStart: number;
  /** Armed while its rate holds back its next task. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The reactions every task of this key ends with (free its slot, pass the
   * outcome on): made once per state, not once per task, so a start costs no
   * closure and no promise beyond `fn`'s own and the one returned.
   */
  readonly done: (value: unknown) => unknown;
  readonly failed: (error: unknown) => never;
}

/** @internal The tracked keys of one limiter. */
export class KeyStates {
  readonly #map = new Map<LimiterKey, KeyState>();
  readonly #spare: KeyState[] = [];
  readonly #cooling = new Set<KeyState>();
  readonly #rate: RateLimiterOptions | undefined;
  readonly #cool: number;
  readonly #release: (state: KeyState) => void;
  #sweeper: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param rate Each key's rate (checked by the caller), or undefined.
   * @param cool How long a key's rate history matters after its last start, in ms.
   * @param release What a task's end does to its key's state (the limiter's bookkeeping).
   */
  constructor(rate: RateLimiterOptions | undefined, cool: number, release: (state: KeyState) => void) {
    this.#rate = rate;
    this.#cool = cool;
    this.#release = release;
  }

  /** Keys tracked: active ones, and idle ones still cooling. */
  get size(): number {
    return this.#map.size;
  }

  get(key: LimiterKey): KeyState | undefined {
    return this.#map.get(key);
  }

  /** `key`'s state, made (or taken from the spares) when it has none; a cooling one stops cooling. */
  take(key: LimiterKey): KeyState {
    let state = this.#map.get(key);
    if (state === undefined) {
      state = this.#spare.pop() ?? this.#create(key);
      state.key = key;
      this.#map.set(key, state);
    } else {
      state.cooling = false;
    }
    return state;
  }

  /** A key gone idle: kept while its rate history matters, else forgotten. */
  idle(state: KeyState): void {
    if (state.rate !== undefined && Date.now() < state.lastStart + this.#cool) {
      state.cooling = true;
      if (!state.listed) {
        state.listed = true;
        this.#cooling.add(state);
      }
      this.#arm(this.#cool);
      return;
    }
    if (state.listed) {
      state.listed = false;
      this.#cooling.delete(state);
    }
    this.#forget(state);
  }

  #create(key: LimiterKey): KeyState {
    const release = this.#release;
    const created: KeyState = {
      key,
      queue: new WaiterList<KeyTask>(),
      rate: this.#rate === undefined ? undefined : new RateLimiter(this.#rate),
      running: 0,
      active: false,
      inRing: false,
      cooling: false,
      listed: false,
      lastStart: 0,
      timer: undefined,
      done: (value) => {
        release(created);
        return value;
      },
      failed: (error) => {
        release(created);
        throw error;
      },
    };
    return created;
  }

  /** Drops an idle key whose rate history has run out; keeps its state for reuse unless the ring still holds it. */
  #forget(state: KeyState): void {
    this.#map.delete(state.key);
    if (!state.inRing && this.#spare.length < SPARE_STATES) this.#spare.push(state);
  }

  #arm(delay: number): void {
    if (this.#sweeper !== undefined) return;
    this.#sweeper = setTimeout(() => this.#sweep(), Math.min(Math.max(delay, 1), TIMER_MAX));
    this.#sweeper.unref();
  }

  /** Forgets the cooled-down keys, unlists the ones back at work; re-arms for the soonest of the rest. */
  #sweep(): void {
    this.#sweeper = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const state of this.#cooling) {
      const end = state.lastStart + this.#cool;
      if (!state.cooling || now >= end) {
        state.listed = false;
        this.#cooling.delete(state);
        if (state.cooling) this.#forget(state);
      } else next = Math.min(next, end - now);
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }
}
