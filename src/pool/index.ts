/** Pools of threads and processes, and the executor interface. @module */
export type {
  ApplyOptions,
  AsyncResult,
  Executor,
  ExecutorStats,
  MapOptions,
  RunOptions,
  WorkerStats,
} from "./executor.js";
export type { TaskArgs, TaskFn, TaskRef, TaskRefs, TaskResult } from "./task.js";
export { task, tasks, taskSignal } from "./task.js";
export { InlineExecutor, type InlineExecutorOptions } from "./inline-executor.js";
