/** The async layer: asyncio's tools on Node's event loop. @module */
export {};
export { Barrier, type BarrierOptions } from "./barrier.js";
export { Condition } from "./condition.js";
export { Event } from "./event.js";
export type { Compare } from "./heap.js";
export { LifoQueue } from "./lifo-queue.js";
export { Lock, type LockHandle, type WaitOptions } from "./lock.js";
export { PriorityQueue, type PriorityQueueOptions } from "./priority-queue.js";
export { Queue, type QueueOptions, type QueueStore, type TryGetResult, type TryPutResult } from "./queue.js";
export { BoundedSemaphore, Semaphore } from "./semaphore.js";
export { type AsCompletedOptions, asCompleted } from "./as-completed.js";
export { type GatherOptions, type GatherResult, type GatherWork, gather } from "./gather.js";
export { type MapContext, type MapIterable, type MapOptions as AsyncMapOptions, map } from "./map.js";
export { type SleepOptions, sleep } from "./sleep.js";
export { TaskGroup, type TaskGroupOptions } from "./task-group.js";
export { type TimeoutOptions, timeout, type Work, waitFor } from "./timeout.js";
export { AdaptiveLimiter, type AdaptiveLimiterOptions, type AdaptiveRunOptions } from "./adaptive-limiter.js";
export { Batcher, type BatcherAddOptions, type BatcherOptions } from "./batcher.js";
