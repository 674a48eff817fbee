/**
 * Structured concurrency: tasks that live and die together.
 *
 * @module
 */
import { CancelledError, JuggleAggregateError, JuggleError } from "../internal/errors.js";
import { type Deferred, deferred } from "../internal/deferred.js";
import { listenAbort, ownedController } from "../internal/signal.js";
import { checkFunction, checkOptions, checkSignal } from "../internal/validate.js";

/** Options of {@link TaskGroup}. */
export interface TaskGroupOptions {
  /** An outer cancellation: aborting it aborts every task of the group. */
  signal?: AbortSignal;
}

/**
 * A group of tasks that share one `AbortSignal`, as in Python 3.11:
 *
 * - `spawn(fn)` starts `fn(signal)` at once and returns its promise.
 * - The first task that fails aborts the group's signal (with a
 *   {@link CancelledError} whose `cause` is that failure), telling its siblings
 *   to stop.
 * - `wait()` (or leaving an `await using` block) waits for every task to
 *   settle, then throws one {@link JuggleAggregateError} holding every
 *   failure. Rejections caused by the group's own cancellation (the signal's
 *   reason, a `CancelledError` or an `AbortError` after the abort) are not
 *   failures, as Python ignores `CancelledError` in an `ExceptionGroup`.
 * - When only the outer `signal` cancelled the group, `wait()` rejects with
 *   its reason.
 * - `cancel()` aborts every task from inside; the group then ends without
 *   error (only failures other than the cancellation are reported).
 *
 * A task's failure is reported by the group, so the promise `spawn` returns
 * never counts as an unhandled rejection; await it when you want the value.
 * Once `wait()` has finished (or the group was aborted), `spawn` throws.
 *
 * Python: `asyncio.TaskGroup`.
 *
 * @example Two tasks, one result each
 * ```ts
 * import { sleep, TaskGroup } from "juggle-core";
 *
 * await using group = new TaskGroup();
 * const a = group.spawn(async (signal) => { await sleep(20, { signal }); return "a"; });
 * const b = group.spawn(async (signal) => { await sleep(10, { signal }); return "b"; });
 * console.log(await a, await b);
 * // leaving the block waits for both; a failure aborts the other and is thrown here
 * ```
 */
export class TaskGroup implements AsyncDisposable {
  readonly #controller = ownedController();
  readonly #failures: unknown[] = [];
  readonly #outer: AbortSignal | undefined;
  readonly #unlisten: () => void;
  #pending = 0;
  #finished = false;
  #cancelled = false;
  #waiting: Deferred<void> | undefined;

  /**
   * @param options `{ signal }` to cancel the whole group from outside.
   * @throws {TypeError} When `signal` is not an AbortSignal.
   */
  constructor(options?: TaskGroupOptions) {
    this.#outer = checkSignal("create TaskGroup", checkOptions<TaskGroupOptions>("create TaskGroup", options).signal);
    if (this.#outer?.aborted) {
      this.#controller.abort(this.#outer.reason);
      this.#unlisten = noop;
    } else {
      this.#unlisten = listenAbort(this.#outer, (reason) => this.#abort(reason));
    }
  }

  /** The signal every task receives; it aborts on the first failure or an outer abort. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Number of tasks that have not settled yet. */
  get size(): number {
    return this.#pending;
  }

  /**
   * Starts `fn(signal)` as a task of the group, in the caller's async context.
   *
   * @returns The task's own promise (rejects with the task's error).
   * @throws {TypeError} When `fn` is not a function.
   * @throws {JuggleError} (`ERR_JUGGLE_TASK_GROUP_CLOSED`) When the group has finished or was aborted.
   */
  spawn<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<Awaited<T>> {
    checkFunction("spawn a task", "fn", fn);
    if (this.#finished) {
      throw new JuggleError("Cannot spawn a task as the task group has finished", "ERR_JUGGLE_TASK_GROUP_CLOSED");
    }
    if (this.#controller.signal.aborted) {
      throw new JuggleError(
        "Cannot spawn a task as the task group is shutting down",
        "ERR_JUGGLE_TASK_GROUP_CLOSED",
        { cause: this.#controller.signal.reason },
      );
    }
    this.#pending++;
    let promise: Promise<Awaited<T>>;
    try {
      promise = Promise.resolve(fn(this.#controller.signal)) as Promise<Awaited<T>>;
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      () => this.#settled(),
      (error: unknown) => {
        if (!this.#isCancellation(error)) {
          this.#failures.push(error);
          this.#abort(new CancelledError("Cancelled by the task group: a sibling task failed", { cause: error }));
        }
        this.#settled();
      },
    );
    return promise;
  }

  /**
   * Waits for every task (including tasks spawned while waiting) to settle.
   * Then the group is finished.
   *
   * @throws {JuggleAggregateError} (as a rejection) Holding every task failure, in order of failure.
   */
  wait(): Promise<void> {
    if (this.#waiting === undefined) {
      this.#waiting = deferred<void>();
      if (this.#pending === 0) this.#finish();
    }
    return this.#waiting.promise;
  }

  /**
   * Cancels every task of the group: aborts the group's signal with a
   * {@link CancelledError}. The tasks' rejections caused by it are not
   * failures, and `wait()` (or leaving the `await using` block) resolves once
   * they have settled, without error, unless a task failed otherwise. No task
   * can be spawned afterwards. Calling it again, after the group has finished
   * or once it is already aborted (by a failure or the outer signal) does
   * nothing.
   *
   * Python: `asyncio.TaskGroup.cancel()` (3.15).
   *
   * @example Stop a group of endless tasks
   * ```ts
   * import { sleep, TaskGroup } from "juggle-core";
   *
   * await using group = new TaskGroup();
   * for (let i = 0; i < 3; i++) group.spawn((signal) => sleep(60_000, { signal }));
   * group.cancel(); // leaving the block resolves once the three sleeps have stopped
   * ```
   */
  cancel(): void {
    // Already aborted (by a failure or the outer signal): that abort decides how the group ends.
    if (this.#finished || this.#controller.signal.aborted) return;
    this.#cancelled = true;
    this.#abort(new CancelledError("Cancelled by TaskGroup.cancel()"));
  }

  /** `await using group = new TaskGroup()` waits for the group when the block ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.wait();
  }

  #isCancellation(error: unknown): boolean {
    const signal = this.#controller.signal;
    if (!signal.aborted) return false;
    if (error === signal.reason) return true;
    if (error instanceof CancelledError) return true;
    return error instanceof Error && error.name === "AbortError";
  }

  #abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  #settled(): void {
    if (--this.#pending === 0 && this.#waiting !== undefined) this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#unlisten();
    const waiting = this.#waiting as Deferred<void>;
    if (this.#failures.length > 0) {
      const n = this.#failures.length;
      waiting.reject(new JuggleAggregateError(this.#failures, `${n} task${n === 1 ? "" : "s"} of the task group failed`));
    } else if (this.#outer?.aborted && !this.#cancelled) {
      waiting.reject(this.#outer.reason);
    } else {
      waiting.resolve();
    }
  }
}

function noop(): void {}
