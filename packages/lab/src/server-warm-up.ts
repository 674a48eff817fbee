/**
 * Warms a freshly started delay server's request path from its own thread,
 * before anyone measures against it.
 *
 * Why: the crawl measures the client's concurrency model against a server
 * that stands in for a long-running web server (the book's Tornado server
 * was started once and kept running). A server thread that has just started
 * runs its request path — accept, `node:http`'s parser glue, the handler,
 * timers, the write — in V8's interpreter, and that time was charged to
 * whichever crawl variant ran first. Measured in fresh processes, 500
 * requests at 100 in flight, alternating, on a loaded 2-core machine: warmed,
 * the answers written late along a crawl's critical chain fell from about
 * 70 ms to about 21 ms in all (5 waves). The client side is not warmed: a
 * cold crawl still pays its own first-use costs (undici's parser, its
 * connection code, juggle's).
 *
 * @module
 */
import { Agent, request } from "node:http";
import { wholeNumber } from "./checks.js";

/** Options of {@link warmUpServer}. */
export interface WarmUpOptions {
  /** Requests sent in all. Default 400. */
  requests?: number;
  /** Connections they are spread over (each one is also an accept to warm). Default 50. */
  connections?: number;
}

/**
 * Sends `requests` `GET /add?name=warm-up-N&delay=1` to `url` over
 * `connections` keep-alive connections and reads every answer; resolves when
 * all are answered. The caller resets the server's log afterwards.
 *
 * Python: none — a long-running server is simply warm.
 *
 * @param url The server's `http://host:port`.
 * @param options Requests and connections.
 * @throws {RangeError} When `requests` or `connections` is not a positive integer.
 * @throws {Error} When a request fails or is answered other than 200 (or 429, under `tooManyRequests`).
 *
 * @example Warming a server in its own thread before reporting it ready
 * ```ts
 * const server = await DelayServer.start();
 * await warmUpServer(server.url, { requests: 400, connections: 50 });
 * server.reset();
 * ```
 */
export async function warmUpServer(url: string, options: WarmUpOptions = {}): Promise<void> {
  const requests = wholeNumber("warm up the delay server", "requests", options.requests ?? 400, 1);
  const connections = wholeNumber("warm up the delay server", "connections", options.connections ?? 50, 1);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const getOne = (i: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      request(`${url}/add?name=warm-up-${i}&delay=1`, { agent }, (res) => {
        res.resume();
        res.once("end", () => (res.statusCode === 200 || res.statusCode === 429 ? resolve() : reject(new Error(`Cannot warm up the delay server as it answered ${res.statusCode}`))));
        res.once("error", reject);
      })
        .once("error", reject)
        .end();
    });
  try {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < requests) await getOne(next++);
    };
    await Promise.all(Array.from({ length: Math.min(connections, requests) }, lane));
  } finally {
    agent.destroy();
  }
}
