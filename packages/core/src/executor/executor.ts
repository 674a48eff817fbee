/**
 * The executor interface: one API whatever runs the work (the event loop,
 * worker threads, child processes, or workers on other machines). A user
 * changes one constructor, not their code.
 *
 * Python: `concurrent.futures.Executor` and `multiprocessing.pool.Pool`.
 *
 * @module
 */
import type { TransferListItem } from "node:worker_threads";
import type { TraceRecorder } from "../trace/recorder.js";
import type { TaskFn, TaskRef } from "./task.js";

/** Options for one task. */
export interface RunOptions {
  /** Cancels the task: a queued task is removed, a running one sees its `taskSignal()` abort. */
  signal?: AbortSignal;
  /** Milliseconds the task may run before it is rejected with `TimeoutError` (any finite value; `Infinity`: no limit). */
  timeout?: number;
  /** Objects moved to the worker instead of copied (local pools only). */
  transfer?: readonly TransferListItem[];
}

/** Options for `map`, `starmap`, `imap` and `imapUnordered`. */
export interface MapOptions {
  /**
   * Items sent to a worker at once. A number, or `"auto"` to size chunks from
   * measured task time. Default: Python's rule when the length is known
   * (`ceil(length / (workers * 4))`), else `"auto"`.
   */
  chunksize?: number | "auto";
  /** Cancels the whole call: queued chunks are removed, running ones aborted. */
  signal?: AbortSignal;
  /** Milliseconds each chunk may run (`Infinity`: no limit). */
  timeout?: number;
  /**
   * Most items submitted ahead of the consumer: pulled from `items` and whose
   * results the consumer has not taken yet (`imap`, `imapUnordered`) or that
   * have not finished yet (`map`, `starmap`). A positive integer; chunks are
   * cut to fit. With it, `map` over an iterable pulls it lazily instead of
   * reading it whole first. Default: no bound beyond the executor's own
   * window (twice the workers, plus one, in chunks).
   *
   * Python: 3.14's `Executor.map(buffersize=)`.
   */
  buffersize?: number;
}

/** Python's `AsyncResult`, returned by `applyAsync`. */
export interface AsyncResult<R> {
  /** Waits for the result; rejects with `TimeoutError` after `timeout` ms (the task goes on). */
  get(timeout?: number): Promise<R>;
  /** Waits until the task has finished, successfully or not, or `timeout` ms pass. */
  wait(timeout?: number): Promise<void>;
  /** Whether the task has finished. */
  ready(): boolean;
  /** Whether the task finished without error. Throws when it has not finished. */
  successful(): boolean;
}

/** Options for `applyAsync`. */
export interface ApplyOptions<R> extends RunOptions {
  /** Called with the result on success. */
  callback?: (result: R) => void;
  /** Called with the error on failure. */
  errorCallback?: (error: unknown) => void;
}

/** Counters every executor reports. */
export interface ExecutorStats {
  submitted: number;
  completed: number;
  failed: number;
  queued: number;
  running: number;
  /** One entry per live worker. */
  workers: WorkerStats[];
}

export interface WorkerStats {
  /** Stable id within the executor (thread id, pid, or a remote worker name). */
  id: string;
  /** Tasks this worker has finished. */
  tasks: number;
  /** Fraction of its lifetime this worker spent running tasks, 0..1. */
  utilisation: number;
}

type Result<F extends TaskFn> = Awaited<ReturnType<F>>;

/** The interface shared by `InlineExecutor`, `ThreadPool`, `ProcessPool` and `RedisPool`. */
export interface Executor extends AsyncDisposable {
  /** Runs one task; resolves to its result. Python: `Executor.submit`. */
  submit<F extends TaskFn>(task: TaskRef<F>, ...args: Parameters<F>): Promise<Result<F>>;
  /** `submit` with options (signal, timeout, transfer). */
  run<F extends TaskFn>(task: TaskRef<F>, args: Parameters<F>, options?: RunOptions): Promise<Result<F>>;
  /** Runs the task over items; results in input order. Python: `Pool.map`. */
  map<F extends TaskFn>(
    task: TaskRef<F>,
    items: Iterable<Parameters<F>[0]> | AsyncIterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): Promise<Result<F>[]>;
  /** Like `map` with each item an argument list. Python: `Pool.starmap`. */
  starmap<F extends TaskFn>(
    task: TaskRef<F>,
    items: Iterable<Parameters<F>> | AsyncIterable<Parameters<F>>,
    options?: MapOptions,
  ): Promise<Result<F>[]>;
  /** Results in input order as they become available. Python: `Pool.imap`. */
  imap<F extends TaskFn>(
    task: TaskRef<F>,
    items: Iterable<Parameters<F>[0]> | AsyncIterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<Result<F>>;
  /** Results in completion order. Python: `Pool.imap_unordered`. */
  imapUnordered<F extends TaskFn>(
    task: TaskRef<F>,
    items: Iterable<Parameters<F>[0]> | AsyncIterable<Parameters<F>[0]>,
    options?: MapOptions,
  ): AsyncIterableIterator<Result<F>>;
  /** Python: `Pool.apply_async`. */
  applyAsync<F extends TaskFn>(
    task: TaskRef<F>,
    args: Parameters<F>,
    options?: ApplyOptions<Result<F>>,
  ): AsyncResult<Result<F>>;
  /** Counters and per-worker utilisation. */
  stats(): ExecutorStats;
  /** The trace recorder, when tracing was enabled. */
  readonly trace: TraceRecorder | undefined;
  /** Refuses new work; queued and running work goes on. Python: `Pool.close`. */
  close(): void;
  /** Waits for every accepted task to finish and the workers to exit (after `close`). Python: `Pool.join`. */
  join(): Promise<void>;
  /** Stops at once: pending tasks are rejected with `CancelledError`, workers are killed. */
  terminate(): Promise<void>;
}
