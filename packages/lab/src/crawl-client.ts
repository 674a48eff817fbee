/**
 * The one HTTP client every crawl variant uses, juggle's and the anchors'
 * alike, so the rows of the crawl differ only by concurrency model: undici's
 * `Pool` (the engine behind Node's own `fetch`), one connection per request
 * in flight, no pipelining, as an application would use it.
 *
 * @module
 */
import { Pool } from "undici";
import { wholeNumber } from "./checks.js";

/** A response: status and body text. */
export interface HttpResponse {
  status: number;
  body: string;
  /** The `Retry-After` header, when the answer has one (from {@link CrawlClient.get} only). */
  retryAfter?: string;
}

/** The label the report shows for this client. */
export const CLIENT_LABEL = "undici Pool (one connection per request in flight, no pipelining)";

/**
 * An undici `Pool` to one origin, counting the connections it opens.
 *
 * Python: the `aiohttp.ClientSession` / `requests.Session` of the book's crawlers.
 *
 * @example Ten requests at most in flight to the delay server
 * ```ts
 * const client = new CrawlClient(server.url, { connections: 10 });
 * const res = await client.get("/add?name=a&delay=100");
 * await client.close();
 * ```
 */
export class CrawlClient {
  readonly #pool: Pool;
  #opened = 0;

  /**
   * @param origin `http://host:port`.
   * @param options `connections`: sockets at most (requests beyond wait in undici's queue). Default 1.
   * @throws {RangeError} When `connections` is not a positive integer.
   */
  constructor(origin: string, options: { connections?: number } = {}) {
    const connections = wholeNumber("create CrawlClient", "connections", options.connections ?? 1, 1);
    this.#pool = new Pool(origin, { connections, pipelining: 1 });
    this.#pool.on("connect", () => this.#opened++);
  }

  /** Connections opened so far. */
  get connectionsOpened(): number {
    return this.#opened;
  }

  /** GETs `path` and reads the whole body. */
  async get(path: string, signal?: AbortSignal): Promise<HttpResponse> {
    const res = await this.#pool.request({ path, method: "GET", signal });
    const body = await res.body.text();
    const retryAfter = res.headers["retry-after"];
    return typeof retryAfter === "string" ? { status: res.statusCode, body, retryAfter } : { status: res.statusCode, body };
  }

  /** GETs `path` with a Node-style callback (undici's callback form: no promise on the way). */
  getCallback(path: string, callback: (error: Error | null, res?: HttpResponse) => void): void {
    this.#pool.request({ path, method: "GET" }, (error, data) => {
      if (error !== null) return callback(error);
      let body = "";
      data.body.setEncoding("utf8");
      data.body.on("data", (chunk: string) => {
        body += chunk;
      });
      data.body.on("error", (e: Error) => callback(e));
      data.body.on("end", () => callback(null, { status: data.statusCode, body }));
    });
  }

  /** Closes every connection once the requests in flight are answered. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
