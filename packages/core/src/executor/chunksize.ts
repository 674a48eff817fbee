/**
 * How many items a `map` sends to a worker at once.
 *
 * - Known length, no option: Python's rule, about four chunks per worker
 *   (`ceil(length / (workers * 4))`), which amortises the per-message cost
 *   while leaving some room to balance uneven items.
 * - A number: that many items per chunk.
 * - `"auto"` (and the default for iterators of unknown length): chunks sized
 *   from measured task time, so each chunk runs for about
 *   {@link AUTO_TARGET_MS} on its worker: long enough that messaging costs
 *   little, short enough to balance the load and stream results.
 *
 * @module
 */
import { describe } from "../internal/validate.js";

/** Milliseconds of work an automatic chunk aims at. */
export const AUTO_TARGET_MS = 2;
/** Largest automatic chunk. */
export const AUTO_MAX = 1 << 16;
/** An automatic chunk grows at most this many times per measurement. */
const AUTO_GROWTH = 256;

/**
 * Python's default chunk size for `length` items on `workers` workers.
 *
 * Python: `divmod(len(iterable), len(self._pool) * 4)`, rounded up.
 */
export function defaultChunksize(length: number, workers: number): number {
  return Math.max(1, Math.ceil(length / (Math.max(1, workers) * 4)));
}

/** Checks a `chunksize` option: a positive integer, `"auto"` or undefined. */
export function checkChunksize(action: string, value: unknown): number | "auto" | undefined {
  if (value === undefined || value === "auto") return value;
  if (typeof value !== "number") {
    throw new TypeError(`Cannot ${action} as 'chunksize' must be a positive integer or "auto": received ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Cannot ${action} as 'chunksize' must be a positive integer or "auto": received ${describe(value)}`);
  }
  return value;
}

/**
 * Sizes chunks from the time the previous ones took. It starts with one
 * item, grows at most {@link AUTO_GROWTH} times per measurement (a first
 * measurement of one tiny item is mostly overhead and noise), and then aims
 * at {@link AUTO_TARGET_MS} per chunk from the time per item of the largest
 * chunk measured so far. With a known remaining length, the last chunks are split evenly over
 * the workers so they finish together.
 */
export class AutoChunker {
  #items = 0;
  #ms = 0;
  #size = 1;
  #tail = 0;
  readonly #targetMs: number;

  constructor(targetMs = AUTO_TARGET_MS) {
    this.#targetMs = targetMs;
  }

  /**
   * The size of the next chunk. Once what remains would fit in one chunk per
   * worker, it is split evenly and that size is kept to the end (re-splitting
   * what is left each time would end in a long tail of ever smaller chunks).
   */
  next(remaining: number | undefined, workers: number): number {
    let size = this.#size;
    if (remaining !== undefined) {
      if (this.#tail > 0) size = this.#tail;
      else if (remaining <= size * workers) size = this.#tail = Math.ceil(remaining / Math.max(1, workers));
    }
    return Math.max(1, size);
  }

  /** Records that `items` items ran in `ms` milliseconds. */
  observe(items: number, ms: number): void {
    if (items <= 0 || !(ms >= 0)) return;
    // The largest chunk seen so far is the measurement least distorted by the
    // fixed cost of a call and by timer resolution.
    if (items < this.#items) return;
    this.#items = items;
    this.#ms = ms;
    const perItem = ms / items;
    const ideal = perItem > 0 ? this.#targetMs / perItem : AUTO_MAX;
    const capped = Math.min(ideal, this.#size * AUTO_GROWTH, AUTO_MAX);
    this.#size = Math.max(1, Math.floor(capped));
  }

  /** The current chunk size (before the remaining-length cap). */
  get size(): number {
    return this.#size;
  }
}
