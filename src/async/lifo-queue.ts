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
 * import { LifoQueue } from "juggle";
 *
 * const stack = new LifoQueue<string>();
 * stack.tryPut("a");
 * stack.tryPut("b");
 * console.log(await stack.get()); // b
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  protected override createStore(_options: QueueOptions): QueueStore<T> {
    const items = new Deque<T>();
    return {
      get length() {
        return items.length;
      },
      push: (item) => items.push(item),
      take: () => items.pop() as T,
      clear: () => {
        while (items.length > 0) items.pop();
      },
    };
  }
}
