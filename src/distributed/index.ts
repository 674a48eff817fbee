/** The executor interface on BullMQ and Redis (`juggle/distributed`). @module */
export {};
