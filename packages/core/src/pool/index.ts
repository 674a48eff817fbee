/** Pools of threads and processes, and the executor interface. @module */
export type {
  ApplyOptions,
  AsyncResult,
  Executor,
  ExecutorStats,
  MapOptions,
  RunOptions,
  WorkerStats,
} from "../executor/executor.js";
export type { TaskArgs, TaskFn, TaskRef, TaskRefs, TaskResult } from "../executor/task.js";
export { task, tasks, taskSignal } from "../executor/task.js";
export { InlineExecutor, type InlineExecutorOptions } from "./inline-executor.js";
export { Thread, type ThreadOptions } from "./thread.js";
export { Process, type ProcessOptions } from "./process.js";
export {
  CalledProcessError,
  CommandNotFoundError,
  type CommandOptions,
  type CommandResult,
  type OutputEncoding,
  type RunCommandOptions,
  runCommand,
} from "./subprocess.js";
export { type Command, type CommandEvent, iterCommands, type RunAllOptions, type RunCommandsOptions, runCommands } from "./run-commands.js";
export { ThreadPool, type ThreadPoolOptions } from "./thread-pool.js";
export { ProcessPool, type ProcessPoolOptions } from "./process-pool.js";
export type { WorkerPoolOptions } from "./pool-options.js";
