/**
 * `PriorityQueue`: a queue that returns its smallest item first.
 *
 * @module
 */
import { checkFunction, given } from "../internal/validate.js";
import { BinaryHeap, type Compare, pythonCompare } from "./heap.js";
import { Queue, type QueueOptions, type QueueStore } from "./queue.js";

/** Options of {@link PriorityQueue}. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders two items: negative when `a` comes out first. Default: Python's
   * ordering for numbers, strings and arrays (tuples) of them, so
   * `[priority, item]` pairs work as in Python.
   */
  compare?: Compare<T>;
}

/**
 * A {@link Queue} whose `get()` returns the smallest item (a binary heap:
 * O(log n) per `put` and `get`). Items of equal rank come out in no
 * particular order; add a sequence number (`[priority, seq, item]`) for
 * first-in, first-out among equals.
 *
 * Python: `asyncio.PriorityQueue`.
 *
 * @example Smallest first
 * ```ts
 * import { PriorityQueue } from "juggle-core";
 *
 * const tasks = new PriorityQueue<[number, string]>();
 * tasks.tryPut([2, "write"]);
 * tasks.tryPut([1, "read"]);
 * tasks.tryPut([3, "close"]);
 * console.log((await tasks.get())[1]); // read
 * ```
 *
 * @example A compare function
 * ```ts
 * import { PriorityQueue } from "juggle-core";
 *
 * const jobs = new PriorityQueue<{ deadline: number }>({ compare: (a, b) => a.deadline - b.deadline });
 * jobs.tryPut({ deadline: 30 });
 * jobs.tryPut({ deadline: 10 });
 * console.log((await jobs.get()).deadline); // 10
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /**
   * @throws {TypeError} When `compare` is not a function, or `options` or
   * `maxsize` is not what it should be.
   * @throws {RangeError} When `maxsize` is negative, NaN or not an integer.
   */
  constructor(options?: PriorityQueueOptions<T>) {
    super(options);
  }

  protected override createStore(options: PriorityQueueOptions<T>): QueueStore<T> {
    const compare = given(options.compare, pythonCompare as Compare<T>);
    checkFunction("create PriorityQueue", "compare", compare);
    const heap = new BinaryHeap<T>(compare);
    return heap;
  }
}
