/**
 * A growable ring buffer: O(1) push and shift at both ends, with no
 * `Array.prototype.shift` (which is O(n) once an array leaves V8's fast
 * path: the cost that slows other limiters as their backlog grows).
 *
 *     head                 tail
 *      v                    v
 *   [ _ | a | b | c | d | _ | _ | _ ]   capacity 8 (a power of two)
 *
 * `head` is the index of the first item; `length` items follow it, wrapping
 * around. When full, the buffer doubles and the items are laid out again from
 * index 0.
 *
 * @module
 */
export class Deque<T> {
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;
  #mask: number;

  constructor(initialCapacity = 16) {
    let capacity = 4;
    while (capacity < initialCapacity) capacity *= 2;
    this.#items = new Array<T | undefined>(capacity);
    this.#mask = capacity - 1;
  }

  /** Number of items held. */
  get length(): number {
    return this.#length;
  }

  /** Appends at the back. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /** Prepends at the front. */
  unshift(item: T): void {
    if (this.#length === this.#items.length) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#items[this.#head] = item;
    this.#length++;
  }

  /** Removes and returns the front item, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  /** Removes and returns the back item, or undefined when empty. */
  pop(): T | undefined {
    if (this.#length === 0) return undefined;
    const index = (this.#head + this.#length - 1) & this.#mask;
    const item = this.#items[index];
    this.#items[index] = undefined;
    this.#length--;
    return item;
  }

  /** The front item without removing it. */
  peekFront(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** The item at `index` from the front (0 is the front), or undefined. */
  at(index: number): T | undefined {
    return index < 0 || index >= this.#length ? undefined : this.#items[(this.#head + index) & this.#mask];
  }

  /** The back item without removing it. */
  peekBack(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[(this.#head + this.#length - 1) & this.#mask];
  }

  /** Removes every item and returns them front to back. */
  drain(): T[] {
    const out: T[] = new Array(this.#length);
    for (let i = 0; i < out.length; i++) out[i] = this.shift() as T;
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.#items[(this.#head + i) & this.#mask] as T;
  }

  #grow(): void {
    const old = this.#items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#items = next;
    this.#head = 0;
    this.#mask = next.length - 1;
  }
}
