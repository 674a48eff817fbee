/**
 * Tasks by reference. Python pickles a function by module and name; juggle
 * does the same: a task is an export of a module, named by the module's URL
 * and the export's name. No source text is ever evaluated, and TypeScript
 * checks arguments and results end to end through the module's type.
 *
 * @example Referencing the exports of a task module
 * ```ts
 * // tasks.ts
 * export function square(x: number): number { return x * x; }
 *
 * // main.ts
 * import { tasks, ThreadPool } from "juggle-core";
 * const t = tasks<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
 * await using pool = new ThreadPool({ workers: 2 });
 * const nine: number = await pool.submit(t.square, 3);
 * ```
 *
 * @module
 */
import { moduleUrl } from "../internal/module-url.js";
import { isThenable } from "../internal/thenable.js";
import { describe } from "../internal/validate.js";
import { checkTypeStripping } from "./type-stripping.js";

/** Any function that can be a task. */
export type TaskFn = (...args: any[]) => unknown;

/**
 * A reference to an exported function of a module: what executors send to
 * their workers instead of code. `F` is the function's type, used only by the
 * type checker.
 */
export interface TaskRef<F extends TaskFn = TaskFn> {
  /** The module's absolute URL (`file:` URL for local modules). */
  readonly module: string;
  /** The export's name. */
  readonly name: string;
  /** Phantom field carrying the function type; never set at run time. */
  readonly __fn?: F;
}

/** Arguments of the task a reference points to. */
export type TaskArgs<T> = T extends TaskRef<infer F> ? Parameters<F> : never;
/** Result of the task a reference points to, once awaited. */
export type TaskResult<T> = T extends TaskRef<infer F> ? Awaited<ReturnType<F>> : never;

/** The task references of a module's function exports. */
export type TaskRefs<M> = { readonly [K in keyof M as M[K] extends TaskFn ? K : never]: M[K] extends TaskFn ? TaskRef<M[K]> : never };

/**
 * A reference to one export of a module.
 *
 * @param module The module's URL, or its absolute path (POSIX or Windows).
 * @param name The export's name (`"default"` for the default export).
 * @throws {TypeError} When the URL or name is not valid.
 *
 * Python: what `pickle` records for a function (`module.qualname`).
 */
export function task<F extends TaskFn>(module: string | URL, name: string): TaskRef<F> {
  const url = moduleUrl("create task reference", module);
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`Cannot create task reference as 'name' must be a non-empty string: received ${describe(name)}`);
  }
  return Object.freeze({ module: url, name }) as TaskRef<F>;
}

/**
 * References to every function export of a module, typed from the module's
 * type: `tasks<typeof import("./tasks.js")>(url).square` is a
 * `TaskRef<typeof square>`. Names are checked when a worker loads the module
 * (an unknown export is reported with its name); nothing is imported here.
 *
 * @param module The module's URL, or its absolute path (POSIX or Windows).
 * @throws {TypeError} When the URL is not valid.
 */
export function tasks<M>(module: string | URL): TaskRefs<M> {
  const url = moduleUrl("create task references", module);
  const cache = new Map<string, TaskRef>();
  return new Proxy(Object.create(null) as TaskRefs<M>, {
    get(_target, prop) {
      // Not a thenable, not iterable: a tasks object can be awaited or logged
      // safely.
      if (typeof prop !== "string" || prop === "then") return undefined;
      let ref = cache.get(prop);
      if (ref === undefined) {
        ref = Object.freeze({ module: url, name: prop });
        cache.set(prop, ref);
      }
      return ref;
    },
  });
}

/** True when `value` looks like a task reference. */
export function isTaskRef(value: unknown): value is TaskRef {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as TaskRef).module === "string" &&
    typeof (value as TaskRef).name === "string"
  );
}

/** Checks that `value` is a task reference, with an error naming it. */
export function checkTaskRef(action: string, value: unknown): TaskRef {
  if (!isTaskRef(value)) {
    throw new TypeError(
      `Cannot ${action} as 'task' must be a task reference (see tasks() and task()): received ${describe(value)}`,
    );
  }
  return value;
}

// ---------------------------------------------------------------------------
// The running task's signal.
//
// Executors call a task function with its own arguments only, so that task
// modules stay plain functions. A task that wants to observe cancellation or
// its timeout calls taskSignal() synchronously at its start (before its first
// await); executors set the current signal around the synchronous part of the
// call. This costs one assignment per task, where AsyncLocalStorage would cost
// far more in the hot path of the pools.
// ---------------------------------------------------------------------------

let currentSignal: AbortSignal | undefined;
/** Where the current signal comes from when it is made only on demand (see callWithLazySignal). */
let currentSource: SignalSource | undefined;

/**
 * A task signal made only when the task asks for it: an executor whose tasks
 * rarely call taskSignal() spares an `AbortController` per task.
 *
 * @internal
 */
export interface SignalSource {
  /** The task's signal (made on first use). */
  readonly signal: AbortSignal;
}

/**
 * The `AbortSignal` of the task being run: aborted when the caller cancels the
 * task, its timeout runs out, or its pool's `terminateWorkers()` asks its
 * worker to stop. Call it synchronously at the start of the task
 * function, before the first `await`.
 *
 * @throws {Error} When called outside the synchronous start of a task.
 *
 * @example Observing cancellation inside a task
 * ```ts
 * export async function crawl(urls: string[]) {
 *   const signal = taskSignal();
 *   for (const url of urls) await fetch(url, { signal });
 * }
 * ```
 */
export function taskSignal(): AbortSignal {
  if (currentSignal === undefined) {
    if (currentSource !== undefined) return currentSource.signal;
    throw new Error("Cannot get task signal as taskSignal() must be called synchronously at the start of a task");
  }
  return currentSignal;
}

/**
 * Calls `fn(...args)` with `signal` as the current task signal. For executors
 * (and their worker entry points) only.
 *
 * @internal
 */
export function callWithSignal(fn: TaskFn, args: readonly unknown[], signal: AbortSignal): unknown {
  const previous = currentSignal;
  currentSignal = signal;
  try {
    return fn(...args);
  } finally {
    currentSignal = previous;
  }
}

/**
 * `callWithSignal` with a signal made only if the task calls taskSignal().
 * For executors (and their worker entry points) only.
 *
 * @internal
 */
export function callWithLazySignal(fn: TaskFn, args: readonly unknown[], source: SignalSource): unknown {
  const previous = currentSignal;
  const previousSource = currentSource;
  currentSignal = undefined;
  currentSource = source;
  try {
    return fn(...args);
  } finally {
    currentSignal = previous;
    currentSource = previousSource;
  }
}

/**
 * `callWithSignal` for a task of one argument, without an argument array.
 *
 * @internal
 */
export function callOneWithSignal(fn: TaskFn, arg: unknown, signal: AbortSignal): unknown {
  const previous = currentSignal;
  currentSignal = signal;
  try {
    return fn(arg);
  } finally {
    currentSignal = previous;
  }
}

const moduleCache = new Map<string, Promise<Record<string, unknown>>>();

/**
 * Imports a task module and returns the named export, with errors that name
 * the module and the export. Shared by every executor's worker side.
 *
 * @internal
 */
export async function resolveTask(ref: TaskRef): Promise<TaskFn> {
  let loading = moduleCache.get(ref.module);
  if (loading === undefined) {
    checkTypeStripping(ref.module);
    loading = import(ref.module).catch((cause: unknown) => {
      moduleCache.delete(ref.module);
      throw new Error(`Cannot load task module ${ref.module}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }) as Promise<Record<string, unknown>>;
    moduleCache.set(ref.module, loading);
  }
  const mod = await loading;
  const fn = mod[ref.name];
  if (typeof fn !== "function") {
    throw new TypeError(
      fn === undefined
        ? `Cannot run task '${ref.name}' as module ${ref.module} has no export named '${ref.name}'`
        : `Cannot run task '${ref.name}' as export '${ref.name}' of ${ref.module} is not a function: received ${describe(fn)}`,
    );
  }
  return fn as TaskFn;
}

/**
 * Calls `fn` on `items[from..]` (each item the single argument, or with
 * `star` an argument list), storing results in `out`, with `signal` as the
 * current task signal for the whole loop (one assignment per chunk, not per
 * item). Stops after the first result that is a promise (stored as is in
 * `out`) and returns the index after it, or `items.length`. A synchronous
 * throw propagates with `out` filled up to the failing item. For executors
 * (and their worker entry points) only.
 *
 * @internal
 */
export function callChunk(
  fn: TaskFn,
  items: readonly unknown[],
  star: boolean,
  signal: AbortSignal,
  out: unknown[],
  from: number,
): number {
  const previous = currentSignal;
  currentSignal = signal;
  try {
    const n = items.length;
    for (let i = from; i < n; i++) {
      const r = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
      out[i] = r;
      if (isThenable(r)) return i + 1;
    }
    return n;
  } finally {
    currentSignal = previous;
  }
}
