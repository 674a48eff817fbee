/** Synchronization primitives and data in shared memory (`juggle-core/shared-memory`). @module */
export { Barrier } from "./barrier.js";
export { Condition } from "./condition.js";
export { Event } from "./event.js";
export { type Acquirable, Lock, withLock, withLockSync } from "./lock.js";
export { RLock } from "./rlock.js";
export { BoundedSemaphore, Semaphore } from "./semaphore.js";
export { SharedArray, sharedArray } from "./shared-array.js";
export { type ArrayOf, type ValueOf, type ValueType, Value } from "./value.js";
export type { SyncWaitOptions, WaitOptions } from "./wait.js";
export { SharedQueue, type SharedQueueOptions, type TryGetResult, type TryPutResult } from "./shared-queue.js";
export { Manager, type ManagerOptions } from "./manager.js";
export { ManagerEvent, ManagerLock, ManagerQueue, ManagerValue } from "./manager-proxies.js";
export { ProcessQueue, type ProcessQueueOptions, type ProcessQueueTryGet } from "./process-queue.js";
