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
const AUTO_GROWTH = 32;

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
 * at {@link AUTO_TARGET_MS} per chunk from the mean time per item measured so
 * far. With a known remaining length it never takes more than a worker's
 * fair share, so the last chunks still spread over every worker.
 */
export class AutoChunker {
  #items = 0;
  #ms = 0;
  #size = 1;
  readonly #targetMs: number;

  constructor(targetMs = AUTO_TARGET_MS) {
    this.#targetMs = targetMs;
  }

  /** The size of the next chunk. */
  next(remaining: number | undefined, workers: number): number {
    let size = this.#size;
    if (remaining !== undefined) size = Math.min(size, Math.ceil(remaining / Math.max(1, workers)));
    return Math.max(1, size);
  }

  /** Records that `items` items ran in `ms` milliseconds. */
  observe(items: number, ms: number): void {
    if (items <= 0 || !(ms >= 0)) return;
    this.#items += items;
    this.#ms += ms;
    const perItem = this.#ms / this.#items;
    const ideal = perItem > 0 ? this.#targetMs / perItem : AUTO_MAX;
    const capped = Math.min(ideal, this.#size * AUTO_GROWTH, AUTO_MAX);
    this.#size = Math.max(1, Math.floor(capped));
  }

  /** The current chunk size (before the remaining-length cap). */
  get size(): number {
    return this.#size;
  }
}
