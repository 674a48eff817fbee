/**
 * `LifoQueue`: a last-in, first-out queue.
 *
 * @module
 */
import { Deque } from "../internal/deque.js";
import { Queue, type QueueOptions, type QueueStore } from "./queue.js";

/**
 * A {@link Queue} whose `get()` returns the item put last (a stack). Waiting
 * getters and putters are still served first come, first served.
 *
 * Python: `asyncio.LifoQueue`.
 *
 * @example Last in, first out
 * ```ts
 * import { LifoQueue } from "juggle-core";
 *
 * const stack = new LifoQueue<string>();
 * stack.tryPut("a");
 * stack.tryPut("b");
 * console.log(await stack.get()); // b
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  protected override createStore(_options: QueueOptions): QueueStore<T> {
    return new LifoStore<T>();
  }
}

/** The last-in, first-out store: a ring buffer used as a stack. */
class LifoStore<T> extends Deque<T> implements QueueStore<T> {
  take(): T {
    return this.pop() as T;
  }
  clear(): void {
    while (this.length > 0) this.pop();
  }
}
