/**
 * Pulls an async iterator for a map engine: one `next()` on the source at a
 * time, answered in the order the pulls were asked for, and a `close()` that
 * ends the pulling at once, even while the source is waiting for its next
 * item (an async generator sleeping, an empty queue).
 *
 * Why not simply `await iterator.next()`: a run that stops (an abort, a
 * `break`, a failure) must not wait for the source's next item, which may
 * come in two seconds or never. `close()` answers every waiting pull with
 * `done` at once and asks the source to end (`return()`), without waiting
 * for that answer when a `next()` is under way: an async generator queues
 * `return()` behind it. A juggle `Queue`'s iterator withdraws its pending
 * `get()` on `return()`, so the item a producer puts next stays in the queue
 * rather than being taken and dropped. An item that still arrives after the
 * stop cannot be handed back to a generator; it is not passed on.
 *
 * @internal
 * @module
 */
import { type Deferred, deferred } from "./deferred.js";
import { Deque } from "./deque.js";

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** @internal */
export class SourcePuller<T> {
  #iterator: AsyncIterator<T> | undefined;
  readonly #waiting = new Deque<Deferred<IteratorResult<T>>>();
  #busy = false; // a next() of the source is under way
  #ended = false; // the source said done or threw: nothing to close
  #closed = false;

  constructor(iterator: AsyncIterator<T>) {
    this.#iterator = iterator;
  }

  /** The next item of the source; `done` once it ended or was closed. Rejects with the source's error. */
  pull(): Promise<IteratorResult<T>> {
    if (this.#closed || this.#ended) return Promise.resolve(DONE);
    const waiter = deferred<IteratorResult<T>>();
    this.#waiting.push(waiter);
    if (!this.#busy) this.#step();
    return waiter.promise;
  }

  /**
   * Stops pulling: every waiting pull resolves `done` now, and the source is
   * asked to end. Returns the source's `return()` when it is worth waiting
   * for (no `next()` under way), else undefined; its errors are ignored.
   */
  close(): Promise<unknown> | undefined {
    if (this.#closed) return undefined;
    this.#closed = true;
    for (const waiter of this.#waiting.drain()) waiter.resolve(DONE);
    const iterator = this.#iterator;
    this.#iterator = undefined;
    if (this.#ended || typeof iterator?.return !== "function") return undefined;
    let closing: Promise<unknown>;
    try {
      closing = Promise.resolve(iterator.return()).catch(noop);
    } catch {
      return undefined;
    }
    return this.#busy ? undefined : closing;
  }

  #step(): void {
    this.#busy = true;
    let result: Promise<IteratorResult<T>> | IteratorResult<T>;
    try {
      result = (this.#iterator as AsyncIterator<T>).next();
    } catch (error) {
      this.#rejected(error);
      return;
    }
    Promise.resolve(result).then(this.#fulfilled, this.#rejected);
  }

  readonly #fulfilled = (step: IteratorResult<T>): void => {
    if (step === null || typeof step !== "object") {
      this.#rejected(new TypeError(`Cannot map as the source's next() must give an object: received ${String(step)}`));
      return;
    }
    this.#busy = false;
    if (this.#closed) return;
    if (step.done) this.#end();
    (this.#waiting.shift() as Deferred<IteratorResult<T>>).resolve(step);
    if (this.#ended) this.#release();
    else if (this.#waiting.length > 0) this.#step();
  };

  readonly #rejected = (error: unknown): void => {
    this.#busy = false;
    if (this.#closed) return;
    this.#end();
    (this.#waiting.shift() as Deferred<IteratorResult<T>>).reject(error);
    this.#release();
  };

  #end(): void {
    this.#ended = true;
    this.#iterator = undefined;
  }

  /** The source ended: the other waiting pulls get `done`. */
  #release(): void {
    for (const waiter of this.#waiting.drain()) waiter.resolve(DONE);
  }
}

function noop(): void {}
