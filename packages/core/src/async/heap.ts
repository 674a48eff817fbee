/**
 * The binary min-heap behind `PriorityQueue`, and Python's ordering for it.
 *
 *              0
 *          1       2          the children of i are 2i+1 and 2i+2,
 *        3   4   5   6        its parent is (i-1) >> 1
 *
 * Both `push` and `take` find where the moving item goes with comparisons
 * only, then move items: a `compare` that throws (items that cannot be
 * ordered) leaves the heap exactly as it was.
 *
 * @module
 */
import { describe } from "../internal/validate.js";

/** Orders two items: negative when `a` comes first, positive when `b` does, 0 when tied. */
export type Compare<T> = (a: T, b: T) => number;

/**
 * Python's `<` for the values a priority queue usually holds: numbers (and
 * bigints) by value, strings by code unit, arrays (Python's tuples) element
 * by element, a shorter prefix first. Anything else, or a mix such as a
 * number and a string, throws a `TypeError`, as Python does.
 */
export function pythonCompare(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if ((ta === "number" || ta === "bigint") && (tb === "number" || tb === "bigint")) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ta === "string" && tb === "string") return (a as string) < (b as string) ? -1 : a === b ? 0 : 1;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = pythonCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new TypeError(
    `Cannot order items in PriorityQueue as they must be numbers, strings or arrays of them, or a 'compare' function given: received ${describe(a)} and ${describe(b)}`,
  );
}

export class BinaryHeap<T> {
  readonly #items: T[] = [];
  readonly #compare: Compare<T>;
  /** Scratch space for `take`: the indexes the moving item passes. */
  readonly #path: number[] = [];

  constructor(compare: Compare<T>) {
    this.#compare = compare;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The smallest item without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    // Find the slot by climbing while the item is smaller than the parent.
    let i = items.length;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#compare(item, items[parent]) >= 0) break;
      i = parent;
    }
    // Then shift that path's parents down one level.
    let hole = items.length;
    items.push(item);
    while (hole > i) {
      const parent = (hole - 1) >> 1;
      items[hole] = items[parent];
      hole = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the smallest item; the heap must not be empty. */
  take(): T {
    const items = this.#items;
    const top = items[0];
    const last = items.length - 1;
    if (last === 0) {
      items.pop();
      return top;
    }
    const moving = items[last];
    // Walk down from the root, as if `moving` were there, following the
    // smaller child while it is smaller than `moving` (the last slot is
    // excluded: it is the one being vacated).
    const path = this.#path;
    path.length = 0;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const child = right < last && this.#compare(items[right], items[left]) < 0 ? right : left;
      if (this.#compare(items[child], moving) >= 0) break;
      path.push(child);
      i = child;
    }
    items.pop();
    let hole = 0;
    for (const child of path) {
      items[hole] = items[child];
      hole = child;
    }
    items[hole] = moving;
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }
}
