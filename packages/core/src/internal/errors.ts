/**
 * The error classes of juggle and the one serializer that carries errors
 * across a thread, process or machine boundary.
 *
 * Conditions a caller may want to catch are subclasses of {@link JuggleError}
 * and carry a stable `code`; match on the class or the code, never on the
 * message text.
 *
 * @module
 */

/**
 * Base class of every condition juggle reports. `code` is stable across
 * versions and survives serialization.
 */
export class JuggleError extends Error {
  /** A stable, machine-readable code such as `"ERR_JUGGLE_TIMEOUT"`. */
  readonly code: string;
  constructor(message: string, code = "ERR_JUGGLE", options?: ErrorOptions) {
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
  readonly code = "ERR_JUGGLE_AGGREGATE";
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
// cause and own enumerable properties, and (when its class is one juggle
// knows, or a built-in) as an instance of that class.
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
  readonly props: Record<string, unknown>;
}

const builtins: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const jugglers: Record<string, new (message: string) => Error> = {
  JuggleError: JuggleError as unknown as new (message: string) => Error,
  TimeoutError,
  CancelledError,
  BrokenBarrierError,
  QueueShutDown,
  ExecutorClosedError,
  WorkerCrashedError: WorkerCrashedError as unknown as new (message: string) => Error,
};

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

/**
 * Turns any thrown value into plain data that survives structured clone and
 * JSON. Non-error values are wrapped so they can be told apart on arrival.
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

/** Rebuilds an error from {@link serializeError}'s output. */
export function deserializeError(data: SerializedError): Error {
  let error: Error;
  const Known = jugglers[data.name] ?? builtins[data.name];
  if (data.errors !== undefined) {
    error = new AggregateError(data.errors.map(revive), data.message);
  } else if (Known !== undefined) {
    error = new Known(data.message);
  } else {
    error = new Error(data.message);
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
