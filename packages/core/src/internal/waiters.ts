/**
 * An intrusive doubly linked list of waiters. A waiter that gives up (its
 * signal aborted, its timeout ran out) unlinks itself in O(1), so an aborted
 * wait leaves no trace in the queue and costs nothing to the others, and
 * waiters are served first come, first served.
 *
 * @module
 */
export interface WaiterNode<T> {
  value: T;
  /** @internal */ prev: WaiterNode<T> | null;
  /** @internal */ next: WaiterNode<T> | null;
  /** @internal */ list: WaiterList<T> | null;
}

export class WaiterList<T> {
  #head: WaiterNode<T> | null = null;
  #tail: WaiterNode<T> | null = null;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Appends a waiter at the back and returns its node (keep it to remove it). */
  push(value: T): WaiterNode<T> {
    const node: WaiterNode<T> = { value, prev: this.#tail, next: null, list: this };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#length++;
    return node;
  }

  /** Removes and returns the front waiter's value, or undefined. */
  shift(): T | undefined {
    const node = this.#head;
    if (node === null) return undefined;
    this.remove(node);
    return node.value;
  }

  /** The front waiter's value without removing it. */
  peek(): T | undefined {
    return this.#head?.value;
  }

  /** Unlinks `node`; a node already removed is ignored. Returns whether it was linked. */
  remove(node: WaiterNode<T>): boolean {
    if (node.list !== this) return false;
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    node.prev = node.next = null;
    node.list = null;
    this.#length--;
    return true;
  }

  /** Removes every waiter and returns their values front to back. */
  drain(): T[] {
    const out: T[] = [];
    while (this.#head !== null) {
      out.push(this.#head.value);
      this.remove(this.#head);
    }
    return out;
  }
}
