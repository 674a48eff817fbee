/**
 * What {@link Thread} and {@link Process} share: a target task run once in
 * its own worker, with Python's lifecycle (`start`, `join(timeout)`,
 * `isAlive`, `name`, `daemon`, `exitCode`) and the target's result or error
 * kept for after the join.
 *
 * Python: `threading.Thread`, whose API `multiprocessing.Process` copies.
 *
 * @module
 */
import { deferred } from "../internal/deferred.js";
import { type SerializedError, deserializeError, serializeError } from "../internal/errors.js";
import { JuggleError } from "../internal/errors.js";
import { clearLongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { decodeShared, encodeShared } from "../internal/shareable.js";
import { listenAbort, throwIfAborted } from "../internal/signal.js";
import { checkMilliseconds, checkSignal, describe } from "../internal/validate.js";
import type { TaskArgs, TaskRef, TaskResult } from "../executor/task.js";
import { isTaskRef } from "../executor/task.js";

/** Options shared by `Thread` and `Process`. */
export interface RunnableOptions<T extends TaskRef> {
  /** The task to run: an export of a module (see `tasks()` and `task()`). */
  target: T;
  /** Arguments passed to the target (copied, or shared for shared-memory objects). */
  args?: TaskArgs<T>;
  /** A name for messages and debugging; no semantics. Default `Thread-N (target)` / `Process-N`. */
  name?: string;
  /** Whether the worker may not keep the program alive. Default `false`. */
  daemon?: boolean;
  /** Environment variables of the worker. Default: a copy of `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Called in this process when the target throws or the worker has an
   * uncaught error. Default: prints the error's stack to stderr, as Python
   * prints the traceback of a failed thread or process.
   */
  excepthook?(error: Error, source: unknown): void;
}

/** Options for `join()`. */
export interface JoinOptions {
  /** Stops waiting (the worker goes on) and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** The message a target entry sends back when its target has finished. */
export type TargetOutcome = { type: "done"; ok: true; value: unknown } | { type: "done"; ok: false; error: SerializedError };

/** What a target entry receives: the task, its encoded arguments and the name. */
export interface TargetRequest {
  readonly type: "run";
  readonly target: TaskRef;
  readonly args: readonly unknown[];
  readonly name: string;
  readonly daemon: boolean;
}

/** A state error (start twice, join before start…), like Python's `RuntimeError`. */
export function invalidState(message: string): JuggleError {
  return new JuggleError(message, "ERR_JUGGLE_INVALID_STATE");
}

type State = "initial" | "started" | "stopped";

/** How long disposal waits after `terminate()` before `kill()`. */
const DISPOSE_GRACE_MS = 5000;

/**
 * The lifecycle of a target run by one worker. Subclasses start the worker
 * and report its outcome and exit through {@link Runnable.settle} and
 * {@link Runnable.exited}.
 */
export abstract class Runnable<T extends TaskRef = TaskRef> {
  #name: string;
  #daemon: boolean;
  #state: State = "initial";
  #exitCode: number | null = null;
  #result: TaskResult<T> | undefined;
  #error: Error | undefined;
  #outcome: Promise<void> | undefined;
  readonly #finished = deferred<void>();
  protected readonly target: T;
  protected readonly args: readonly unknown[];
  protected readonly env: Record<string, string | undefined> | undefined;
  readonly #excepthook: (error: Error, source: unknown) => void;
  #settled = false;
  #joiners = 0;

  protected constructor(kind: string, options: RunnableOptions<T>, defaultName: (target: TaskRef) => string) {
    const action = `create ${kind}`;
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Cannot ${action} as 'options' must be an object: received ${describe(options)}`);
    }
    const { target, args, name, daemon, env, excepthook } = options;
    if (!isTaskRef(target)) {
      throw new TypeError(
        `Cannot ${action} as 'target' must be a task reference (see tasks() and task()): received ${describe(target)}`,
      );
    }
    if (args !== undefined && !Array.isArray(args)) {
      throw new TypeError(`Cannot ${action} as 'args' must be an array: received ${describe(args)}`);
    }
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError(`Cannot ${action} as 'name' must be a string: received ${describe(name)}`);
    }
    if (daemon !== undefined && typeof daemon !== "boolean") {
      throw new TypeError(`Cannot ${action} as 'daemon' must be a boolean: received ${describe(daemon)}`);
    }
    if (env !== undefined && (env === null || typeof env !== "object" || Array.isArray(env))) {
      throw new TypeError(`Cannot ${action} as 'env' must be an object: received ${describe(env)}`);
    }
    if (excepthook !== undefined && typeof excepthook !== "function") {
      throw new TypeError(`Cannot ${action} as 'excepthook' must be a function: received ${describe(excepthook)}`);
    }
    this.target = target;
    // Copied now: later changes to the caller's array do not reach the worker.
    this.args = encodeShared([...((args ?? []) as unknown[])]);
    for (let i = 0; i < this.args.length; i++) this.checkSendable(action, i, this.args[i], (args as unknown[])[i]);
    this.#name = name ?? defaultName(target);
    this.#daemon = daemon ?? false;
    this.env = env;
    this.#excepthook = excepthook === undefined ? (error) => this.printError(error) : excepthook.bind(options);
  }

  /** Throws a `TypeError` naming `args[index]` when it cannot reach the worker. */
  private checkSendable(action: string, index: number, encoded: unknown, original: unknown): void {
    try {
      this.cloneForWorker(encoded);
    } catch (cause) {
      throw new TypeError(
        `Cannot ${action} as 'args[${index}]' cannot be sent to ${this.workerKind()}: received ${describe(original)}`,
        { cause },
      );
    }
  }
  /** Serializes `value` as the worker's channel will, throwing what it throws. */
  protected abstract cloneForWorker(value: unknown): void;
  /** "a worker thread" or "a child process", for error messages. */
  protected abstract workerKind(): string;
  /** Starts the worker. */
  protected abstract launch(): void;
  /** Whether the worker keeps the program alive (ref) or not (unref). */
  protected abstract keepAlive(on: boolean): void;
  /** The heading printed above a failed target's stack. */
  protected abstract printError(error: Error): void;

  /** The name given at construction (or the default); may be changed at any time. */
  get name(): string {
    return this.#name;
  }
  set name(value: string) {
    if (typeof value !== "string") {
      throw new TypeError(`Cannot set name as 'name' must be a string: received ${describe(value)}`);
    }
    this.#name = value;
  }

  /**
   * Whether this is a daemon: one that does not keep the program alive. Can
   * only be changed before `start()`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }
  set daemon(value: boolean) {
    if (typeof value !== "boolean") {
      throw new TypeError(`Cannot set daemon as 'daemon' must be a boolean: received ${describe(value)}`);
    }
    if (this.#state !== "initial") throw invalidState(`Cannot set daemon status of '${this.#name}' as it has been started`);
    this.#daemon = value;
  }

  /** True from `start()` until the worker has exited. */
  get isAlive(): boolean {
    return this.#state === "started";
  }

  /** Whether `start()` has been called. */
  get started(): boolean {
    return this.#state !== "initial";
  }

  /** The worker's exit code: `null` until it has exited. */
  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** The target's result, once it has returned (after `join()`). */
  get result(): TaskResult<T> | undefined {
    return this.#result;
  }

  /** The error the target threw (or the worker's uncaught error), once known. */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * Starts the target in its own worker. Can be called at most once.
   *
   * @throws {JuggleError} `ERR_JUGGLE_INVALID_STATE` when already started.
   */
  start(): void {
    if (this.#state !== "initial") throw invalidState(`Cannot start '${this.#name}' as it has already been started`);
    this.#state = "started";
    try {
      this.launch();
    } catch (error) {
      // Nothing started: like Python, the object may be started again.
      this.#state = "initial";
      throw error;
    }
  }

  /**
   * Waits until the worker has exited, or `timeout` milliseconds have passed.
   * Like Python, it does not throw on timeout: check `isAlive` afterwards.
   *
   * @param timeout Milliseconds to wait at most. Default: no limit.
   * @throws {JuggleError} `ERR_JUGGLE_INVALID_STATE` when not started.
   */
  async join(timeout?: number, options: JoinOptions = {}): Promise<void> {
    if (timeout !== undefined) checkMilliseconds("join", "timeout", timeout, { allowInfinity: true });
    const signal = checkSignal("join", options?.signal);
    if (this.#state === "initial") throw invalidState(`Cannot join '${this.#name}' as it has not been started`);
    throwIfAborted(signal);
    if (this.#state === "stopped") return;
    // A daemon does not keep the program alive, but a program awaiting its
    // join() must not end under the await (Python's join() blocks): hold the
    // worker referenced while anyone joins it.
    if (this.#daemon && this.#joiners++ === 0) this.keepAlive(true);
    const done = deferred<void>();
    const timer = timeout === undefined || timeout === Number.POSITIVE_INFINITY ? undefined : setLongTimeout(done.resolve, timeout);
    const unlisten = listenAbort(signal, done.reject);
    this.#finished.promise.then(done.resolve, done.reject);
    try {
      await done.promise;
    } finally {
      clearLongTimeout(timer);
      unlisten();
      if (this.#daemon && --this.#joiners === 0 && this.#state === "started") this.keepAlive(false);
    }
  }

  /**
   * Ends the worker if it is still running and waits for it: `await using`
   * support. Terminates it, and kills it if it has not ended after a grace
   * period.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state !== "started") return;
    this.terminate();
    await this.join(DISPOSE_GRACE_MS);
    if (this.#state !== "started") return;
    this.kill();
    await this.join();
  }

  /** Asks the worker to stop (see the subclasses). */
  abstract terminate(): void;
  /** Stops the worker forcibly (see the subclasses). */
  abstract kill(): void;

  /** Subclasses call this with the outcome message of the target. */
  protected settle(outcome: TargetOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    if (outcome.ok) {
      const decoded = decodeShared(outcome.value);
      if (decoded instanceof Promise) {
        this.#outcome = decoded.then(
          (value) => {
            this.#result = value as TaskResult<T>;
          },
          (error: unknown) => this.#report(error instanceof Error ? error : deserializeError(serializeError(error))),
        );
      } else {
        this.#result = decoded as TaskResult<T>;
        this.#outcome = Promise.resolve();
      }
    } else {
      this.#report(deserializeError(outcome.error));
      this.#outcome = Promise.resolve();
    }
  }

  /** Subclasses call this with an uncaught error of the worker. */
  protected fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#outcome = Promise.resolve();
    this.#report(error);
  }

  #report(error: Error): void {
    this.#error = error;
    try {
      this.#excepthook(error, this);
    } catch (hookError) {
      process.stderr.write(`Exception in excepthook of '${this.#name}': ${(hookError as Error)?.stack ?? hookError}\n`);
    }
  }

  /** Subclasses call this once the worker has exited. */
  protected exited(exitCode: number): void {
    if (this.#state === "stopped") return;
    const finish = (): void => {
      this.#exitCode = exitCode;
      this.#state = "stopped";
      this.#finished.resolve();
    };
    if (this.#outcome === undefined) finish();
    else void this.#outcome.then(finish);
  }
}
