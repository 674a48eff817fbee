/**
 * `juggle-lab/delay-server`: the lab's HTTP delay server for your own
 * crawlers and benchmarks — {@link DelayServer} in this thread, or
 * {@link startServerThread} in a worker thread of its own (so the server's
 * work does not share the client's event loop).
 *
 * @example A server in its own thread, queried with fetch
 * ```ts
 * import { startServerThread } from "juggle-lab/delay-server";
 * await using server = await startServerThread();
 * const res = await fetch(`${server.url}/add?name=a&delay=100`); // answered after 100 ms
 * console.log(res.status, (await server.log()).entries.length); // 200 1
 * ```
 *
 * @module
 */
export type { DelayLog, DelayLogEntry, DelayServerOptions, TooManyRequestsOptions } from "./delay-server.js";
export { DelayServer } from "./delay-server.js";
export type { ServerThread, ServerThreadOptions } from "./server-thread.js";
export { startServerThread } from "./server-thread.js";
