/**
 * The numbers a pool gives task references on the wire: a worker is told a
 * task's module and export once (`defs` of a `run` message), then each job
 * names its task by number. References to the same module and export share
 * one number, whichever `TaskRef` object the caller used.
 *
 * @internal
 * @module
 */
import type { TaskRef } from "../executor/task.js";

/** Task reference → wire number, stable for the pool's life. */
export class TaskTable {
  readonly #byRef = new Map<TaskRef, number>();
  readonly #byKey = new Map<string, number>();
  #next = 0;

  /** The number of `ref`'s task (a new one the first time its module and export are seen). */
  index(ref: TaskRef): number {
    let index = this.#byRef.get(ref);
    if (index !== undefined) return index;
    const key = `${ref.module}#${ref.name}`;
    index = this.#byKey.get(key);
    if (index === undefined) {
      index = this.#next++;
      this.#byKey.set(key, index);
    }
    this.#byRef.set(ref, index);
    return index;
  }
}
