/**
 * The error classes of juggle, its one vocabulary of error codes, and the one
 * serializer that carries errors across a thread, process or machine boundary.
 *
 * Conditions a caller may want to catch are subclasses of {@link JuggleError}
 * and carry a stable `code` from {@link JuggleErrorCode}; match on the class
 * or the code, never on the message text.
 *
 * @module
 */

/**
 * Every code a juggle error carries, in every package. The same condition has
 * the same code wherever it happens (the async layer, shared memory, a
 * manager, a pool or the Redis backend).
 *
 * | code | condition |
 * |---|---|
 * | `ERR_JUGGLE` | a `JuggleError` made without a more precise code |
 * | `ERR_JUGGLE_AGGREGATE` | several errors reported together (`JuggleAggregateError`) |
 * | `ERR_JUGGLE_BROKEN_BARRIER` | a barrier was aborted or reset while parties waited |
 * | `ERR_JUGGLE_CALLED_PROCESS` | a checked command exited non-zero (`CalledProcessError`) |
 * | `ERR_JUGGLE_CANCELLED` | work was cancelled (`CancelledError`) |
 * | `ERR_JUGGLE_COMMAND_NOT_FOUND` | a command's program does not exist |
 * | `ERR_JUGGLE_EXECUTOR_CLOSED` | an executor refuses work after `close()` |
 * | `ERR_JUGGLE_INVALID_STATE` | a `Thread`/`Process` call in the wrong state (started twice, not started) |
 * | `ERR_JUGGLE_JOB_FAILED` | the Redis backend: BullMQ failed a job for its own reason (stalled too often…) |
 * | `ERR_JUGGLE_JOB_LOST` | the Redis backend: a job vanished from Redis |
 * | `ERR_JUGGLE_MAIN_THREAD_BLOCK` | a blocking `…Sync` call on the main thread |
 * | `ERR_JUGGLE_MANAGER_CLOSED` | a manager was shut down or cannot be reached |
 * | `ERR_JUGGLE_MANAGER_OBJECT` | a manager object does not exist |
 * | `ERR_JUGGLE_NOT_LOCKED` | releasing a lock that is not held; a condition used without its lock |
 * | `ERR_JUGGLE_NOT_OWNER` | releasing an `RLock` another thread holds |
 * | `ERR_JUGGLE_NOT_READY` | asking an unfinished `AsyncResult` whether it succeeded |
 * | `ERR_JUGGLE_QUEUE_SHUT_DOWN` | a queue was shut down (`QueueShutDown`) |
 * | `ERR_JUGGLE_REDIS_UNREACHABLE` | the Redis backend: Redis cannot be reached |
 * | `ERR_JUGGLE_RELEASED_TOO_OFTEN` | a bounded semaphore released beyond its initial value |
 * | `ERR_JUGGLE_TASK_DONE_TOO_OFTEN` | `Queue.taskDone()` called more often than items were put |
 * | `ERR_JUGGLE_TASK_GROUP_CLOSED` | spawning into a finished or aborted task group |
 * | `ERR_JUGGLE_TIMEOUT` | work did not finish in time (`TimeoutError`) |
 * | `ERR_JUGGLE_UNKNOWN_TASK_MODULE` | the Redis backend: a worker was not started with a job's task module |
 * | `ERR_JUGGLE_WORKER_CRASHED` | the worker running a task died (`WorkerCrashedError`) |
 *
 * @example Telling conditions apart by code
 * ```ts
 * import { type JuggleErrorCode, JuggleError, Lock } from "juggle-core";
 * try {
 *   new Lock().release();
 * } catch (error) {
 *   const code: JuggleErrorCode | undefined = error instanceof JuggleError ? error.code : undefined;
 *   console.log(code); // "ERR_JUGGLE_NOT_LOCKED"
 * }
 * ```
 */
export type JuggleErrorCode =
  | "ERR_JUGGLE"
  | "ERR_JUGGLE_AGGREGATE"
  | "ERR_JUGGLE_BROKEN_BARRIER"
  | "ERR_JUGGLE_CALLED_PROCESS"
  | "ERR_JUGGLE_CANCELLED"
  | "ERR_JUGGLE_COMMAND_NOT_FOUND"
  | "ERR_JUGGLE_EXECUTOR_CLOSED"
  | "ERR_JUGGLE_INVALID_STATE"
  | "ERR_JUGGLE_JOB_FAILED"
  | "ERR_JUGGLE_JOB_LOST"
  | "ERR_JUGGLE_MAIN_THREAD_BLOCK"
  | "ERR_JUGGLE_MANAGER_CLOSED"
  | "ERR_JUGGLE_MANAGER_OBJECT"
  | "ERR_JUGGLE_NOT_LOCKED"
  | "ERR_JUGGLE_NOT_OWNER"
  | "ERR_JUGGLE_NOT_READY"
  | "ERR_JUGGLE_QUEUE_SHUT_DOWN"
  | "ERR_JUGGLE_REDIS_UNREACHABLE"
  | "ERR_JUGGLE_RELEASED_TOO_OFTEN"
  | "ERR_JUGGLE_TASK_DONE_TOO_OFTEN"
  | "ERR_JUGGLE_TASK_GROUP_CLOSED"
  | "ERR_JUGGLE_TIMEOUT"
  | "ERR_JUGGLE_UNKNOWN_TASK_MODULE"
  | "ERR_JUGGLE_WORKER_CRASHED";

/**
 * Base class of every condition juggle reports. `code` is stable across
 * versions and survives serialization.
 */
export class JuggleError extends Error {
  /** A stable, machine-readable code such as `"ERR_JUGGLE_TIMEOUT"`. */
  readonly code: JuggleErrorCode;
  constructor(message: string, code: JuggleErrorCode = "ERR_JUGGLE", options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Work did not finish in the time allowed.
 *
 * Python: `TimeoutError` / `asyncio.TimeoutError` / `concurrent.futures.TimeoutError`.
 */
export class TimeoutError extends JuggleError {
  constructor(message = "Timed out", options?: ErrorOptions) {
    super(message, "ERR_JUGGLE_TIMEOUT", options);
  }
}

/**
 * Work was cancelled before it finished: the executor was shut down, a queue
 * was cleared, or a caller cancelled it.
 *
 * Python: `asyncio.CancelledError` / `concurrent.futures.CancelledError`.
 */
export class CancelledError extends JuggleError {
  constructor(message = "Cancelled", options?: ErrorOptions) {
    super(message, "ERR_JUGGLE_CANCELLED", options);
  }
}

/**
 * The worker (thread or process) running a task died before the task
 * finished. Only the task(s) that worker held fail with it.
 *
 * Python: `concurrent.futures.process.BrokenProcessPool` (but juggle replaces
 * the worker instead of breaking the whole pool).
 */
export class WorkerCrashedError extends JuggleError {
  /** The worker's exit code, when it exited. */
  readonly exitCode: number | null;
  /** The signal that killed the worker process, when one did. */
  readonly signal: string | null;
  constructor(
    message: string,
    details: { exitCode?: number | null; signal?: string | null } = {},
    options?: ErrorOptions,
  ) {
    super(message, "ERR_JUGGLE_WORKER_CRASHED", options);
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
  }
}

/**
 * A barrier was aborted or reset while parties were waiting on it.
 *
 * Python: `threading.BrokenBarrierError`.
 */
export class BrokenBarrierError extends JuggleError {
  constructor(message = "Barrier is broken", options?: ErrorOptions) {
    super(message, "ERR_JUGGLE_BROKEN_BARRIER", options);
  }
}

/**
 * A queue was shut down: `put` is refused, and `get` is refused once the queue
 * is empty (or at once after an immediate shutdown).
 *
 * Python: `asyncio.QueueShutDown` (3.13).
 */
export class QueueShutDown extends JuggleError {
  constructor(message = "Queue is shut down", options?: ErrorOptions) {
    super(message, "ERR_JUGGLE_QUEUE_SHUT_DOWN", options);
  }
}

/**
 * An executor was closed or terminated and refuses new work.
 *
 * Python: `RuntimeError('cannot schedule new futures after shutdown')`.
 */
export class ExecutorClosedError extends JuggleError {
  constructor(message = "Executor is closed", options?: ErrorOptions) {
    super(message, "ERR_JUGGLE_EXECUTOR_CLOSED", options);
  }
}

/**
 * Several errors reported together, as a task group reports every failure of
 * its tasks.
 *
 * Python: `ExceptionGroup`.
 */
export class JuggleAggregateError extends AggregateError {
  readonly code: JuggleErrorCode = "ERR_JUGGLE_AGGREGATE";
  constructor(errors: Iterable<unknown>, message: string) {
    super(errors, message);
    this.name = "JuggleAggregateError";
  }
}

// ---------------------------------------------------------------------------
// Serialization across boundaries.
//
// structuredClone() of a custom error yields a plain Error: the class, `name`
// and `code` are lost. Every error that crosses a boundary goes through these
// two functions instead, so it arrives with its name, message, stack, code,
// cause and own enumerable properties, and as an instance of its class when
// that class is registered on the receiving side (the built-in errors, every
// juggle error class, and whatever a backend or a task module registers with
// registerErrorClass). An unregistered class comes back as its nearest
// registered base class (an unknown `JuggleError` subclass is still a
// `JuggleError`), keeping its own name.
// ---------------------------------------------------------------------------

/** The plain-data form of an error, safe for structured clone and JSON. */
export interface SerializedError {
  readonly $error: true;
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown[];
  /** Constructor names from the error's class up to `Error`, when it is not a plain `Error`. */
  readonly classes?: string[];
  readonly props: Record<string, unknown>;
}

/** A class whose instances are errors. */
export type ErrorClass = abstract new (...args: any[]) => Error;

/** Classes rebuilt on arrival, by constructor name. */
const registry = new Map<string, ErrorClass>();

/**
 * Registers an error class so that its instances are rebuilt as instances of
 * it when they cross a boundary into this thread or process (a pool's worker,
 * a child process, a Redis worker): same class, name, message, stack, `code`,
 * `cause` and own properties. The class is matched by its constructor name,
 * so register it on the receiving side: a module that defines an error class
 * registers it when it is loaded, and every side that loads the module knows
 * it. The built-in errors and juggle's own classes are registered already.
 *
 * The rebuilt error is made without calling the class's constructor (its
 * fields come from the sender), so constructors with any signature work.
 *
 * @param errorClass A class whose instances are `Error`s.
 * @throws {TypeError} When `errorClass` is not an error class, has no name, or
 * another class of the same name is registered.
 *
 * Python: what `pickle` does for an exception class importable on both sides.
 *
 * @example A backend's own error, rebuilt across its boundary
 * ```ts
 * import { JuggleError } from "juggle-core";
 * import { registerErrorClass } from "juggle-core/executor";
 *
 * export class QueueFullError extends JuggleError {
 *   constructor(message: string) {
 *     super(message, "ERR_JUGGLE");
 *   }
 * }
 * registerErrorClass(QueueFullError);
 * ```
 */
export function registerErrorClass(errorClass: ErrorClass): void {
  if (typeof errorClass !== "function" || !(errorClass.prototype instanceof Error || errorClass === Error)) {
    throw new TypeError(`Cannot register error class as it must be a class extending Error: received ${String(errorClass)}`);
  }
  const name = errorClass.name;
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError("Cannot register error class as it must have a name: received an anonymous class");
  }
  const known = registry.get(name);
  if (known !== undefined && known !== errorClass) {
    throw new TypeError(`Cannot register error class '${name}' as another class of that name is registered`);
  }
  registry.set(name, errorClass);
}

for (const errorClass of [
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
  JuggleError,
  TimeoutError,
  CancelledError,
  WorkerCrashedError,
  BrokenBarrierError,
  QueueShutDown,
  ExecutorClosedError,
  JuggleAggregateError,
]) {
  registerErrorClass(errorClass);
}

function plain(value: unknown, depth: number): unknown {
  if (value instanceof Error) return depth > 4 ? String(value) : serializeError(value, depth + 1);
  if (value === null || typeof value !== "object") {
    return typeof value === "function" || typeof value === "symbol" ? String(value) : value;
  }
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}

/** The constructor names of `error`'s class chain, up to `Error` (at most 8). */
function classChain(error: Error): string[] | undefined {
  const names: string[] = [];
  let proto: unknown = Object.getPrototypeOf(error);
  while (proto !== null && proto !== Object.prototype && names.length < 8) {
    const ctor = Object.hasOwn(proto as object, "constructor") ? (proto as { constructor: unknown }).constructor : undefined;
    if (typeof ctor === "function" && ctor.name) names.push(ctor.name);
    if (proto === Error.prototype) break;
    proto = Object.getPrototypeOf(proto);
  }
  return names.length === 1 && names[0] === error.name ? undefined : names;
}

/**
 * Turns any thrown value into plain data that survives structured clone and
 * JSON. Non-error values are wrapped so they can be told apart on arrival.
 *
 * @param error Anything thrown.
 * @param depth Nesting level of causes already serialized (callers omit it).
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return {
      $error: true,
      name: "Error",
      message: `Non-error value thrown: ${safeString(error)}`,
      props: { thrown: plain(error, depth) },
    };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === "code" || key === "cause" || key === "errors" || key === "name") continue;
    props[key] = plain((error as unknown as Record<string, unknown>)[key], depth);
  }
  const e = error as Error & { code?: unknown; errors?: unknown[] };
  return {
    $error: true,
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: e.code === undefined ? undefined : plain(e.code, depth),
    cause: e.cause === undefined ? undefined : plain(e.cause, depth),
    errors: Array.isArray(e.errors) ? e.errors.map((x) => plain(x, depth)) : undefined,
    classes: classChain(e),
    props,
  };
}

/** True when `value` is the output of {@link serializeError}. */
export function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === "object" && value !== null && (value as { $error?: unknown }).$error === true;
}

function revive(value: unknown): unknown {
  return isSerializedError(value) ? deserializeError(value) : value;
}

/** The registered class to rebuild `data` as: its own, else its nearest registered base. */
function classOf(data: SerializedError): ErrorClass {
  for (const name of data.classes ?? [data.name]) {
    const known = registry.get(name);
    if (known !== undefined) return known;
  }
  return Error;
}

/**
 * Rebuilds an error from {@link serializeError}'s output, as an instance of
 * its registered class (see {@link registerErrorClass}).
 *
 * @param data What `serializeError` returned, after any structured clone or
 * JSON round trip.
 */
export function deserializeError(data: SerializedError): Error {
  let errorClass = classOf(data);
  let error: Error;
  if (data.errors !== undefined) {
    // Made by AggregateError itself, so `errors` is what it would be.
    if (!(errorClass === AggregateError || errorClass.prototype instanceof AggregateError)) errorClass = AggregateError;
    error = Reflect.construct(AggregateError, [data.errors.map(revive), data.message], errorClass);
  } else {
    // A real Error (with the engine's error internals) whose prototype is the
    // class's, without running a constructor whose signature we cannot know.
    error = Reflect.construct(Error, [data.message], errorClass);
  }
  const target = error as unknown as Record<string, unknown>;
  // Own properties first, then the identity fields, so a stray prop cannot
  // overwrite them.
  for (const [key, v] of Object.entries(data.props)) target[key] = revive(v);
  Object.defineProperty(error, "name", { value: data.name, configurable: true, writable: true });
  if (data.code !== undefined) {
    Object.defineProperty(error, "code", { value: data.code, enumerable: true, configurable: true, writable: true });
  }
  if (data.cause !== undefined) {
    Object.defineProperty(error, "cause", { value: revive(data.cause), configurable: true, writable: true });
  }
  if (data.stack !== undefined) {
    Object.defineProperty(error, "stack", { value: data.stack, configurable: true, writable: true });
  }
  return error;
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
