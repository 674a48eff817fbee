/**
 * Running many programs at once with bounded parallelism: the seeds' "use
 * case 3" (a script that drives another program over every file of a
 * directory). Results come back in input order; output streams through
 * callbacks or an async iterator.
 *
 * Python: `ThreadPoolExecutor(n).map(subprocess.run, commands)`.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { Deque } from "../internal/deque.js";
import { deferred } from "../internal/deferred.js";
import { CancelledError } from "../internal/errors.js";
import { listenAbort } from "../internal/signal.js";
import { checkInteger, checkSignal, describe, given } from "../internal/validate.js";
import {
  type CommandOptions,
  type CommandResult,
  type NormalizedCommand,
  normalizeCommand,
  type Output,
  type OutputEncoding,
  type RunningCommand,
  startCommand,
} from "./subprocess.js";

/**
 * One command: `["ls", "-l"]`, or an object with its own input, timeout,
 * cwd and env (which override the shared options).
 */
export type Command =
  | readonly [string, ...string[]]
  | {
      readonly command: string;
      readonly args?: readonly string[];
      readonly input?: string | Uint8Array;
      readonly timeout?: number;
      readonly cwd?: string | URL;
      readonly env?: Record<string, string | undefined>;
    };

/** Options of {@link runCommands} and {@link iterCommands}. */
export interface RunCommandsOptions<E extends OutputEncoding = "utf8"> extends CommandOptions<E> {
  /** Commands running at once. Default: the number of CPUs (`os.availableParallelism()`). */
  concurrency?: number;
}

/** Options of {@link runCommands}. */
export interface RunAllOptions<E extends OutputEncoding = "utf8"> extends RunCommandsOptions<E> {
  /** Called with each chunk of a command's stdout, and the command's index. */
  onStdout?(chunk: Output<E>, index: number): void;
  /** Called with each chunk of a command's stderr, and the command's index. */
  onStderr?(chunk: Output<E>, index: number): void;
  /**
   * Put a failed command's error in its place in the results instead of
   * stopping everything. Default `false`.
   */
  returnErrors?: boolean;
}

/** What {@link iterCommands} yields, in the order it happens. */
export type CommandEvent<O = string> =
  | { readonly type: "stdout" | "stderr"; readonly index: number; readonly data: O }
  | { readonly type: "exit"; readonly index: number; readonly result: CommandResult<O> }
  | { readonly type: "error"; readonly index: number; readonly error: unknown };

interface Batch {
  specs: NormalizedCommand[];
  concurrency: number;
  signal: AbortSignal | undefined;
}

function prepare(action: string, commands: unknown, options: RunCommandsOptions<OutputEncoding>): Batch {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${action} as 'options' must be an object: received ${describe(options)}`);
  }
  if (commands === null || typeof (commands as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
    throw new TypeError(`Cannot ${action} as 'commands' must be an iterable of commands: received ${describe(commands)}`);
  }
  const concurrency = checkInteger(action, "concurrency", given(options.concurrency, availableParallelism()), {
    min: 1,
    allowInfinity: true,
  });
  const signal = checkSignal(action, options.signal);
  const specs: NormalizedCommand[] = [];
  let i = 0;
  for (const command of commands as Iterable<Command>) {
    const prefix = `commands[${i}].`;
    if (Array.isArray(command)) {
      specs.push(normalizeCommand(action, command[0], command.slice(1), options, prefix));
    } else if (command !== null && typeof command === "object") {
      const c = command as Exclude<Command, readonly string[]>;
      const own = { ...options };
      for (const key of ["input", "timeout", "cwd", "env"] as const) if (c[key] !== undefined) Object.assign(own, { [key]: c[key] });
      specs.push(normalizeCommand(action, c.command, c.args, own, prefix));
    } else {
      throw new TypeError(`Cannot ${action} as 'commands[${i}]' must be an array or an object: received ${describe(command)}`);
    }
    i++;
  }
  return { specs, concurrency, signal };
}

interface Sink {
  output(type: "stdout" | "stderr", index: number, chunk: string | Buffer): void;
  settled(index: number, outcome: { ok: true; result: CommandResult<string | Buffer> } | { ok: false; error: unknown }): void;
}

/**
 * Starts the commands, at most `concurrency` at once, each as soon as a
 * previous one ends. `stop(reason)` starts no more and stops those running;
 * `finished` resolves once nothing runs.
 */
function schedule(batch: Batch, sink: Sink) {
  const running = new Map<number, RunningCommand>();
  const finished = deferred<void>();
  let next = 0;
  let stopped = false;
  let paused = false;
  const launch = (): void => {
    while (!stopped && running.size < batch.concurrency && next < batch.specs.length) {
      const index = next++;
      const spec = { ...batch.specs[index], signal: batch.signal };
      const command = startCommand(spec, {
        onStdout: (chunk) => sink.output("stdout", index, chunk),
        onStderr: (chunk) => sink.output("stderr", index, chunk),
      });
      running.set(index, command);
      if (paused) command.pause();
      command.promise.then(
        (result) => end(index, { ok: true, result }),
        (error: unknown) => end(index, { ok: false, error }),
      );
    }
    if (running.size === 0 && (stopped || next >= batch.specs.length)) finished.resolve();
  };
  const end = (index: number, outcome: Parameters<Sink["settled"]>[1]): void => {
    running.delete(index);
    sink.settled(index, outcome);
    launch();
  };
  const stop = (reason: unknown): void => {
    if (stopped) return;
    stopped = true;
    for (const command of running.values()) command.stop(reason);
    if (running.size === 0) finished.resolve();
  };
  const unlisten = listenAbort(batch.signal, stop);
  void finished.promise.then(unlisten);
  launch();
  return {
    finished: finished.promise,
    stop,
    pause() {
      paused = true;
      for (const command of running.values()) command.pause();
    },
    resume() {
      paused = false;
      for (const command of running.values()) command.resume();
    },
  };
}

/**
 * Runs many commands, at most `concurrency` at a time (exactly that many
 * while enough are left), and returns their results in input order. A
 * non-zero exit is not an error (unless `check`); a command that cannot run,
 * times out or fails its check stops the others (not yet started ones never
 * start) and the call rejects with its error once nothing runs, unless
 * `returnErrors` puts each error in its command's place instead.
 *
 * @param commands `["prog", ...args]` arrays or `{ command, args, input, timeout, cwd, env }` objects.
 * @param options `concurrency`, the options every command shares, and
 *   `onStdout`/`onStderr` callbacks that receive the command's index.
 * @throws {RangeError} When `concurrency` is not a positive integer.
 * @throws {TypeError} For a bad command or option, naming it (`commands[2].args`).
 *
 * @example Converting every file of a directory, two at a time
 * ```ts
 * import { runCommands } from "juggle-core";
 * const files = ["a.xml", "b.xml", "c.xml"];
 * const results = await runCommands(
 *   files.map((f) => ["xsltproc", "-o", f.replace(".xml", ".html"), "style.xsl", f] as const),
 *   { concurrency: 2, timeout: 60_000 },
 * );
 * for (const r of results) console.log(r.args.at(-1), r.exitCode);
 * ```
 *
 * Python: `ThreadPoolExecutor(max_workers=n).map(subprocess.run, commands)`.
 */
export function runCommands(commands: Iterable<Command>, options?: RunAllOptions<"utf8">): Promise<CommandResult<string>[]>;
export function runCommands(
  commands: Iterable<Command>,
  options: RunAllOptions<"buffer"> & { encoding: "buffer" },
): Promise<CommandResult<Buffer>[]>;
export function runCommands(
  commands: Iterable<Command>,
  options: RunAllOptions<"utf8"> & { returnErrors: true },
): Promise<(CommandResult<string> | Error)[]>;
export async function runCommands(
  commands: Iterable<Command>,
  options: RunAllOptions<OutputEncoding> = {},
): Promise<(CommandResult<string | Buffer> | unknown)[]> {
  const batch = prepare("run commands", commands, options);
  for (const name of ["onStdout", "onStderr"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new TypeError(`Cannot run commands as '${name}' must be a function: received ${describe(options[name])}`);
    }
  }
  const results: unknown[] = new Array(batch.specs.length);
  let failure: { error: unknown } | undefined;
  const onStdout = options.onStdout as ((chunk: string | Buffer, index: number) => void) | undefined;
  const onStderr = options.onStderr as ((chunk: string | Buffer, index: number) => void) | undefined;
  const run = schedule(batch, {
    output(type, index, chunk) {
      (type === "stdout" ? onStdout : onStderr)?.(chunk, index);
    },
    settled(index, outcome) {
      if (outcome.ok) results[index] = outcome.result;
      else if (options.returnErrors && !batch.signal?.aborted) results[index] = outcome.error;
      else if (failure === undefined) {
        failure = { error: outcome.error };
        run.stop(new CancelledError(`Command cancelled as command ${index} failed`, { cause: outcome.error }));
      }
    },
  });
  await run.finished;
  if (batch.signal?.aborted) throw batch.signal.reason;
  if (failure !== undefined) throw failure.error;
  return results;
}

/**
 * Runs many commands like {@link runCommands} and yields what happens as it
 * happens: output chunks, each command's exit (its result) or error, in
 * arrival order. A slow consumer pauses the commands' output (backpressure).
 * Leaving the loop early stops the running commands and starts no more; the
 * loop's exit waits until they have ended. On abort, the iterator throws the
 * signal's reason once nothing runs.
 *
 * @example Streaming the output of several commands
 * ```ts
 * import { iterCommands } from "juggle-core";
 * for await (const event of iterCommands([["ping", "-c", "3", "a.example"], ["ping", "-c", "3", "b.example"]])) {
 *   if (event.type === "stdout") process.stdout.write(`[${event.index}] ${event.data}`);
 *   if (event.type === "exit") console.log(`#${event.index} exited with ${event.result.exitCode}`);
 * }
 * ```
 *
 * Python: `as_completed` over `subprocess.Popen` pipes.
 */
export function iterCommands(commands: Iterable<Command>, options?: RunCommandsOptions<"utf8">): AsyncIterableIterator<CommandEvent<string>>;
export function iterCommands(
  commands: Iterable<Command>,
  options: RunCommandsOptions<"buffer"> & { encoding: "buffer" },
): AsyncIterableIterator<CommandEvent<Buffer>>;
export function iterCommands(
  commands: Iterable<Command>,
  options: RunCommandsOptions<OutputEncoding> = {},
): AsyncIterableIterator<CommandEvent<string | Buffer>> {
  const batch = prepare("iterate commands", commands, options);
  const HIGH_WATER = 64;
  const events = new Deque<CommandEvent<string | Buffer>>();
  let wake = deferred<void>();
  let paused = false;
  const push = (event: CommandEvent<string | Buffer>): void => {
    events.push(event);
    if (events.length >= HIGH_WATER && !paused && !ended) {
      paused = true;
      run?.pause();
    }
    wake.resolve();
  };
  // Like a generator, nothing starts before the first next().
  let run: ReturnType<typeof schedule> | undefined;
  let ended = false;
  let closed = false;
  const started = (): ReturnType<typeof schedule> => {
    if (run !== undefined) return run;
    const scheduled = schedule(batch, {
      output: (type, index, data) => push({ type, index, data }),
      settled: (index, outcome) =>
        push(outcome.ok ? { type: "exit", index, result: outcome.result } : { type: "error", index, error: outcome.error }),
    });
    run = scheduled;
    void scheduled.finished.then(() => {
      ended = true;
      wake.resolve();
    });
    return scheduled;
  };
  const iterator: AsyncIterableIterator<CommandEvent<string | Buffer>> = {
    async next() {
      if (closed) return { value: undefined, done: true };
      const run = started();
      for (;;) {
        const event = events.shift();
        if (event !== undefined) {
          if (paused && events.length < HIGH_WATER / 2) {
            paused = false;
            run.resume();
          }
          return { value: event, done: false };
        }
        if (ended) {
          if (batch.signal?.aborted) throw batch.signal.reason;
          return { value: undefined, done: true };
        }
        wake = deferred<void>();
        await wake.promise;
      }
    },
    async return() {
      closed = true;
      if (run === undefined) return { value: undefined, done: true };
      run.stop(new CancelledError("Command cancelled as the loop over iterCommands() ended early"));
      if (paused) {
        paused = false;
        run.resume();
      }
      await run.finished;
      events.drain();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
