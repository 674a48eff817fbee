/**
 * Running programs that are not JavaScript: one command with input, a
 * timeout and a signal, its output collected and streamed. Many commands at
 * once are in `run-commands.ts`.
 *
 * Python: `subprocess.run`.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { deferred } from "../internal/deferred.js";
import { JuggleError, registerErrorClass, TimeoutError } from "../internal/errors.js";
import { clearLongTimeout, type LongTimeout, setLongTimeout } from "../internal/long-timer.js";
import { listenAbort } from "../internal/signal.js";
import { checkMilliseconds, checkSignal, describe } from "../internal/validate.js";

/** How output is delivered: decoded UTF-8 strings, or Buffers. */
export type OutputEncoding = "utf8" | "buffer";
/** The type of output chunks for an encoding. */
export type Output<E extends OutputEncoding> = E extends "buffer" ? Buffer : string;

/** Options of one command. */
export interface CommandOptions<E extends OutputEncoding = "utf8"> {
  /** Written to the command's stdin, which is then closed. Without it, stdin is `/dev/null`. */
  input?: string | Uint8Array;
  /** Milliseconds the command may run; then it is stopped and the call rejects with `TimeoutError`. */
  timeout?: number;
  /** Stops the command; the call rejects with `signal.reason` once it has exited. */
  signal?: AbortSignal;
  /** Working directory. */
  cwd?: string | URL;
  /** Environment variables (replacing, not extending, `process.env`). */
  env?: Record<string, string | undefined>;
  /** Run through a shell (`true` for `/bin/sh`). Default `false`: no shell, no quoting issues. */
  shell?: boolean | string;
  /** Reject with `CalledProcessError` when the command does not exit with 0. Default `false`. */
  check?: boolean;
  /** `"utf8"` (default) for strings, `"buffer"` for Buffers. */
  encoding?: E;
  /** Keep the output in the result. Default `true`; `false` with callbacks for huge outputs. */
  capture?: boolean;
  /** Signal sent to stop the command on timeout or abort. Default `"SIGTERM"`. */
  killSignal?: NodeJS.Signals;
  /** Milliseconds between `killSignal` and SIGKILL. Default 2000. */
  killGrace?: number;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions<E extends OutputEncoding = "utf8"> extends CommandOptions<E> {
  /** Called with each chunk of stdout as it arrives. */
  onStdout?(chunk: Output<E>): void;
  /** Called with each chunk of stderr as it arrives. */
  onStderr?(chunk: Output<E>): void;
}

/** What a finished command reports. Python: `CompletedProcess`. */
export interface CommandResult<O = string> {
  /** The program. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** Its process id. */
  readonly pid: number;
  /** Its exit code, or `null` when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended it, or `null`. */
  readonly signal: NodeJS.Signals | null;
  /** Its standard output (empty when `capture` is `false`). */
  readonly stdout: O;
  /** Its standard error (empty when `capture` is `false`). */
  readonly stderr: O;
}

/**
 * A command exited with a non-zero code (or was ended by a signal) while
 * `check` was set. Carries the whole result.
 *
 * Python: `subprocess.CalledProcessError`.
 */
export class CalledProcessError extends JuggleError {
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: unknown;
  readonly stderr: unknown;
  constructor(result: CommandResult<unknown>) {
    const how = result.exitCode === null ? `was ended by ${result.signal}` : `exited with code ${result.exitCode}`;
    super(`Command ${JSON.stringify(result.command)} ${how}`, "ERR_JUGGLE_CALLED_PROCESS");
    this.command = result.command;
    this.args = result.args;
    this.exitCode = result.exitCode;
    this.signal = result.signal;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

/**
 * The program of a command does not exist (or is not on the `PATH`).
 *
 * Python: `FileNotFoundError` from `subprocess.run`.
 */
export class CommandNotFoundError extends JuggleError {
  readonly command: string;
  constructor(command: string, options?: ErrorOptions) {
    super(`Cannot run command ${JSON.stringify(command)} as it was not found`, "ERR_JUGGLE_COMMAND_NOT_FOUND", options);
    this.command = command;
  }
}

// Rebuilt as themselves when a task run in a worker throws them.
registerErrorClass(CalledProcessError);
registerErrorClass(CommandNotFoundError);

/** A command with its options checked and defaults filled in. @internal */
export interface NormalizedCommand {
  command: string;
  args: readonly string[];
  input: string | Uint8Array | undefined;
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  cwd: string | undefined;
  env: Record<string, string | undefined> | undefined;
  shell: boolean | string;
  check: boolean;
  buffer: boolean;
  capture: boolean;
  killSignal: NodeJS.Signals;
  killGrace: number;
}

/** Checks one command's options once, with errors naming them. @internal */
export function normalizeCommand(
  action: string,
  command: unknown,
  args: unknown,
  options: CommandOptions<OutputEncoding>,
  prefix = "",
): NormalizedCommand {
  const name = (option: string): string => `${prefix}${option}`;
  if (typeof command !== "string" || command.length === 0) {
    throw new TypeError(`Cannot ${action} as '${name("command")}' must be a non-empty string: received ${describe(command)}`);
  }
  if (args !== undefined && (!Array.isArray(args) || args.some((a) => typeof a !== "string"))) {
    throw new TypeError(`Cannot ${action} as '${name("args")}' must be an array of strings: received ${describe(args)}`);
  }
  const o = options;
  if (o.input !== undefined && typeof o.input !== "string" && !(o.input instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action} as '${name("input")}' must be a string or a Uint8Array: received ${describe(o.input)}`);
  }
  if (o.timeout !== undefined) checkMilliseconds(action, name("timeout"), o.timeout, { positive: true, allowInfinity: true });
  const signal = checkSignal(action, o.signal);
  let cwd: string | undefined;
  if (o.cwd instanceof URL) cwd = fileURLToPath(o.cwd);
  else if (o.cwd === undefined || typeof o.cwd === "string") cwd = o.cwd;
  else throw new TypeError(`Cannot ${action} as '${name("cwd")}' must be a string or a file URL: received ${describe(o.cwd)}`);
  if (o.env !== undefined && (o.env === null || typeof o.env !== "object" || Array.isArray(o.env))) {
    throw new TypeError(`Cannot ${action} as '${name("env")}' must be an object: received ${describe(o.env)}`);
  }
  if (o.shell !== undefined && typeof o.shell !== "boolean" && typeof o.shell !== "string") {
    throw new TypeError(`Cannot ${action} as '${name("shell")}' must be a boolean or a string: received ${describe(o.shell)}`);
  }
  if (o.encoding !== undefined && o.encoding !== "utf8" && o.encoding !== "buffer") {
    throw new RangeError(`Cannot ${action} as '${name("encoding")}' must be "utf8" or "buffer": received ${describe(o.encoding)}`);
  }
  for (const flag of ["check", "capture"] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") {
      throw new TypeError(`Cannot ${action} as '${name(flag)}' must be a boolean: received ${describe(o[flag])}`);
    }
  }
  if (o.killSignal !== undefined && !Object.hasOwn(constants.signals, o.killSignal as string)) {
    throw new TypeError(`Cannot ${action} as '${name("killSignal")}' must be a signal name: received ${describe(o.killSignal)}`);
  }
  if (o.killGrace !== undefined) checkMilliseconds(action, name("killGrace"), o.killGrace);
  return {
    command,
    args: (args as string[] | undefined) ?? [],
    input: o.input,
    timeout: o.timeout === Number.POSITIVE_INFINITY ? undefined : o.timeout,
    signal,
    cwd,
    env: o.env,
    shell: o.shell ?? false,
    check: o.check ?? false,
    buffer: o.encoding === "buffer",
    capture: o.capture ?? true,
    killSignal: o.killSignal ?? "SIGTERM",
    killGrace: o.killGrace ?? 2000,
  };
}

/** Hooks of a running command. @internal */
export interface CommandHooks {
  onStdout?(chunk: string | Buffer): void;
  onStderr?(chunk: string | Buffer): void;
}

/** A running command. @internal */
export interface RunningCommand {
  readonly promise: Promise<CommandResult<string | Buffer>>;
  /** Stops the command (killSignal, then SIGKILL); the promise rejects with `reason`. */
  stop(reason: unknown): void;
  /** Pauses / resumes reading its output (backpressure). */
  pause(): void;
  resume(): void;
}

/** Starts a normalized command. @internal */
export function startCommand(spec: NormalizedCommand, hooks: CommandHooks = {}): RunningCommand {
  const done = deferred<CommandResult<string | Buffer>>();
  if (spec.signal?.aborted) {
    done.reject(spec.signal.reason);
    return { promise: done.promise, stop() {}, pause() {}, resume() {} };
  }
  let child: ChildProcess;
  try {
    child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      shell: spec.shell,
      stdio: [spec.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      windowsHide: true,
    });
  } catch (error) {
    // Refused before starting (e.g. a NUL byte in an argument).
    done.reject(error);
    return { promise: done.promise, stop() {}, pause() {}, resume() {} };
  }
  const out: (string | Buffer)[] = [];
  const err: (string | Buffer)[] = [];
  const collect = (stream: NodeJS.ReadableStream, into: (string | Buffer)[], hook?: (chunk: string | Buffer) => void): void => {
    if (!spec.buffer) stream.setEncoding("utf8");
    stream.on("data", (chunk: string | Buffer) => {
      if (spec.capture) into.push(chunk);
      if (hook === undefined) return;
      try {
        hook(chunk);
      } catch (error) {
        // A failing output callback fails the command (after stopping it).
        stop(error);
      }
    });
  };
  if (child.stdout) collect(child.stdout, out, hooks.onStdout);
  if (child.stderr) collect(child.stderr, err, hooks.onStderr);
  if (child.stdin && spec.input !== undefined) {
    // A command that exits without reading all its input closes the pipe:
    // that is its business, not an error of ours.
    child.stdin.on("error", () => {});
    child.stdin.end(spec.input);
  }

  let stopReason: { reason: unknown } | undefined;
  let killTimer: LongTimeout | undefined;
  let settled = false;
  const joined = (parts: (string | Buffer)[]): string | Buffer =>
    spec.buffer ? Buffer.concat(parts as Buffer[]) : (parts as string[]).join("");

  const stop = (reason: unknown): void => {
    if (stopReason !== undefined || settled) return;
    stopReason = { reason };
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(spec.killSignal);
      killTimer = setLongTimeout(() => child.kill("SIGKILL"), spec.killGrace);
    } else {
      // The command has exited but something it started still holds its
      // output open: stop reading.
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
  };
  const timer =
    spec.timeout === undefined
      ? undefined
      : setLongTimeout(() => stop(new TimeoutError(`Command ${JSON.stringify(spec.command)} timed out after ${spec.timeout} ms`)), spec.timeout);
  const unlisten = listenAbort(spec.signal, stop);
  const cleanup = (): void => {
    settled = true;
    clearLongTimeout(timer);
    clearLongTimeout(killTimer);
    unlisten();
  };

  child.once("error", (error: NodeJS.ErrnoException) => {
    if (child.pid !== undefined || settled) return; // a failed kill: 'close' still comes
    cleanup();
    if (error.code === "ENOENT" && (spec.cwd === undefined || existsSync(spec.cwd))) {
      done.reject(new CommandNotFoundError(spec.command, { cause: error }));
    } else {
      const e = new Error(`Cannot run command ${JSON.stringify(spec.command)}: ${error.message}`, { cause: error }) as Error & {
        code?: string;
      };
      e.code = error.code;
      done.reject(e);
    }
  });
  child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
    if (settled) return;
    cleanup();
    const result: CommandResult<string | Buffer> = {
      command: spec.command,
      args: spec.args,
      pid: child.pid as number,
      exitCode: code,
      signal,
      stdout: joined(out),
      stderr: joined(err),
    };
    if (stopReason !== undefined) {
      const reason = stopReason.reason;
      if (reason instanceof TimeoutError) Object.assign(reason, result);
      done.reject(reason);
    } else if (spec.check && code !== 0) {
      done.reject(new CalledProcessError(result));
    } else {
      done.resolve(result);
    }
  });
  return {
    promise: done.promise,
    stop,
    pause() {
      child.stdout?.pause();
      child.stderr?.pause();
    },
    resume() {
      child.stdout?.resume();
      child.stderr?.resume();
    },
  };
}

/**
 * Runs a program (not through a shell unless asked) and collects its exit
 * code and output. Like Python's `subprocess.run`, a non-zero exit is not an
 * error unless `check` is set.
 *
 * @param command The program, looked up on the `PATH`.
 * @param args Its arguments, passed as they are (no shell quoting).
 * @param options Input, timeout, signal, cwd, env, output callbacks…
 * @returns The exit code or signal, stdout and stderr.
 * @throws {CommandNotFoundError} When the program does not exist.
 * @throws {TimeoutError} After `timeout` ms, once the command is stopped
 *   (SIGTERM, then SIGKILL after `killGrace`); carries the partial output.
 * @throws {CalledProcessError} With `check`, when the exit code is not 0.
 * @throws {TypeError} For a bad option, naming it. On abort, rejects with
 *   `signal.reason` once the command has exited.
 *
 * @example Running a command and reading its output
 * ```ts
 * import { runCommand } from "juggle-core";
 * const { exitCode, stdout } = await runCommand("git", ["rev-parse", "HEAD"]);
 * ```
 *
 * @example Input, a timeout and streamed output
 * ```ts
 * const result = await runCommand("sort", [], {
 *   input: "b\na\n",
 *   timeout: 5_000,
 *   onStdout: (chunk) => process.stdout.write(chunk),
 * });
 * ```
 *
 * Python: `subprocess.run(args, input=, timeout=, check=, cwd=, env=, capture_output=True)`.
 */
export function runCommand(command: string, args?: readonly string[], options?: RunCommandOptions<"utf8">): Promise<CommandResult<string>>;
export function runCommand(
  command: string,
  args: readonly string[] | undefined,
  options: RunCommandOptions<"buffer"> & { encoding: "buffer" },
): Promise<CommandResult<Buffer>>;
export function runCommand(
  command: string,
  args?: readonly string[],
  options: RunCommandOptions<OutputEncoding> = {},
): Promise<CommandResult<string | Buffer>> {
  try {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Cannot run command as 'options' must be an object: received ${describe(options)}`);
    }
    const spec = normalizeCommand("run command", command, args, options);
    const hooks: CommandHooks = {};
    if (options.onStdout !== undefined) hooks.onStdout = checkCallback("onStdout", options.onStdout);
    if (options.onStderr !== undefined) hooks.onStderr = checkCallback("onStderr", options.onStderr);
    return startCommand(spec, hooks).promise;
  } catch (error) {
    return Promise.reject(error);
  }
}

function checkCallback(name: string, value: unknown): (chunk: string | Buffer) => void {
  if (typeof value !== "function") {
    throw new TypeError(`Cannot run command as '${name}' must be a function: received ${describe(value)}`);
  }
  return value as (chunk: string | Buffer) => void;
}
