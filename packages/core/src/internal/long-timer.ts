/**
 * Timers for any finite delay.
 *
 * Node clamps a `setTimeout` delay above 2^31 − 1 ms (about 24.8 days) to
 * 1 ms, with only a process warning: `setTimeout(fn, 30 days)` runs `fn`
 * almost at once. A 30-day timeout is a legitimate request, so every duration
 * juggle accepts goes through {@link setLongTimeout}, which chains timers of at
 * most {@link TIMER_MAX} ms until the whole delay has passed. Each link counts
 * its own delay, so the chain fires no earlier than one timer of that length
 * would. A delay that fits is one plain Node timer: no extra object, no cost
 * on the hot path.
 *
 * `Infinity` means "never": no timer is held at all (so nothing keeps the
 * process alive for it).
 *
 * @internal
 * @module
 */

/** Node's longest timer delay: 2^31 − 1 ms. Longer delays are clamped to 1 ms by Node. */
export const TIMER_MAX = 2 ** 31 - 1;

/** What {@link setLongTimeout} returns: a Node timer, or a chain of them; both can be unref'd. */
export interface LongTimeout {
  /** Lets the process exit while the timer is pending (like `Timeout.unref`). */
  unref(): this;
  /** Keeps the process alive while the timer is pending (the default). */
  ref(): this;
  /** Whether the timer keeps the process alive. */
  hasRef(): boolean;
}

/** A delay longer than one Node timer: links of at most TIMER_MAX ms, re-armed until none is left. */
class TimerChain implements LongTimeout {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #left: number;
  #ref = true;
  readonly #fire: () => void;

  constructor(fire: () => void, ms: number) {
    this.#fire = fire;
    this.#left = ms;
    if (ms !== Number.POSITIVE_INFINITY) this.#arm();
  }

  readonly #next = (): void => {
    if (this.#left > 0) this.#arm();
    else {
      this.#timer = undefined;
      this.#fire();
    }
  };

  #arm(): void {
    const link = Math.min(this.#left, TIMER_MAX);
    this.#left -= link;
    this.#timer = setTimeout(this.#next, link);
    if (!this.#ref) this.#timer.unref();
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  unref(): this {
    this.#ref = false;
    this.#timer?.unref();
    return this;
  }

  ref(): this {
    this.#ref = true;
    this.#timer?.ref();
    return this;
  }

  hasRef(): boolean {
    return this.#ref && this.#timer !== undefined;
  }
}

/**
 * `setTimeout` for any delay: calls `callback(...args)` once after `ms`
 * milliseconds, however large (chaining timers beyond {@link TIMER_MAX}), or
 * never when `ms` is `Infinity`. Clear it with {@link clearLongTimeout}.
 *
 * @param callback What to run.
 * @param ms The delay in milliseconds: a non-negative number or `Infinity` (the caller has checked it).
 * @param args Passed to `callback`.
 * @returns A handle for {@link clearLongTimeout}, with `unref`/`ref`/`hasRef`.
 *
 * @example A timeout of 30 days, not of 1 ms
 * ```ts
 * const timer = setLongTimeout(() => console.log("a month later"), 30 * 24 * 3600 * 1000);
 * clearLongTimeout(timer);
 * ```
 */
export function setLongTimeout<A extends unknown[]>(
  callback: (...args: A) => void,
  ms: number,
  ...args: A
): LongTimeout {
  if (ms <= TIMER_MAX) return setTimeout(callback, ms, ...args);
  return new TimerChain(() => callback(...args), ms);
}

/** Cancels a timer from {@link setLongTimeout}; `undefined` is ignored, like `clearTimeout`. */
export function clearLongTimeout(timer: LongTimeout | undefined): void {
  if (timer instanceof TimerChain) timer.clear();
  else clearTimeout(timer as ReturnType<typeof setTimeout> | undefined);
}
