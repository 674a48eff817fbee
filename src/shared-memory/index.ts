/** Synchronization primitives and data in shared memory (`juggle/shared-memory`). @module */
export {};
