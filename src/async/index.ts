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
