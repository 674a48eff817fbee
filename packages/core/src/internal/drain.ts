/**
 * Iteration over a closable queue: yield what `get` gives until it rejects
 * with `QueueShutDown` (closed and drained), which ends the iteration; any
 * other error is thrown. One definition for SharedQueue, the Manager's queue
 * proxy and ProcessQueue.
 *
 * @internal
 * @module
 */
import { QueueShutDown } from "./errors.js";

/** Yields `await get()` until the queue is closed and drained. */
export async function* untilShutDown<T>(get: () => Promise<T>): AsyncGenerator<T, void, undefined> {
  for (;;) {
    try {
      yield await get();
    } catch (error) {
      if (error instanceof QueueShutDown) return;
      throw error;
    }
  }
}

/** Yields `get()` (a blocking get, in a worker) until the queue is closed and drained. */
export function* untilShutDownSync<T>(get: () => T): Generator<T, void, undefined> {
  for (;;) {
    try {
      yield get();
    } catch (error) {
      if (error instanceof QueueShutDown) return;
      throw error;
    }
  }
}
