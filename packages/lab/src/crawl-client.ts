/**
 * The one HTTP client every crawl variant uses, juggle's and the anchors'
 * alike, so the rows of the crawl differ only by concurrency model: undici's
 * `Pool` (the engine behind Node's own `fetch`), one connection per request
 * in flight, no pipelining, as an application would use it.
 *
 * Requests go through the Pool's `dispatch` with a handler that collects the
 * body (undici's documented low-level API, the one `request` and `fetch` are
 * built on), not through `request()`: `request()` wraps every answer in a
 * `Readable` stream and an `AsyncResource`, and `body.text()` consumes that
 * stream through promises. The bodies here are a few dozen bytes. Measured
 * in fresh processes, 500 requests at 100 in flight, the two alternating on
 * a loaded 2-core machine: `dispatch` took about a tenth less of the client
 * thread's CPU and gained about 4 points of efficiency, charged alike to
 * every row (docs/lab.md, "Where the time goes"). `fetch` on the same Pool
 * took about twice the CPU of `dispatch`.
 *
 * @module
 */
import type { IncomingHttpHeaders } from "node:http";
import { type Dispatcher, Pool } from "undici";
import { wholeNumber } from "./checks.js";

/** A response: status and body text. */
export interface HttpResponse {
  status: number;
  body: string;
  /** The `Retry-After` header, when the answer has one. */
  retryAfter?: string;
}

/** The label the report shows for this client. */
export const CLIENT_LABEL = "undici Pool (one connection per request in flight, no pipelining)";

type Done = (error: Error | null, res?: HttpResponse) => void;

/**
 * Collects one answer (status, `Retry-After`, body) and calls `done` exactly
 * once: with the response, or with the error undici reports or the signal's
 * reason.
 */
class CollectAnswer implements Dispatcher.DispatchHandler {
  #status = 0;
  #retryAfter: string | undefined;
  readonly #chunks: Buffer[] = [];
  #done: Done | undefined;
  readonly #signal: AbortSignal | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  readonly #onAbort = (): void => this.#controller?.abort(this.#signal?.reason);

  constructor(done: Done, signal: AbortSignal | undefined) {
    this.#done = done;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** Called again when undici retries the request on a fresh socket: start over. */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.#chunks.length = 0;
    if (this.#signal?.aborted === true) controller.abort(this.#signal.reason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#status = statusCode;
    const retryAfter = headers["retry-after"];
    this.#retryAfter = typeof retryAfter === "string" ? retryAfter : undefined;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8");
    this.#finish(null, this.#retryAfter === undefined ? { status: this.#status, body } : { status: this.#status, body, retryAfter: this.#retryAfter });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#finish(error);
  }

  #finish(error: Error | null, res?: HttpResponse): void {
    const done = this.#done;
    if (done === undefined) return;
    this.#done = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    done(error, res);
  }
}

/**
 * An undici `Pool` to one origin, counting the connections it opens.
 *
 * Python: the `aiohttp.ClientSession` / `requests.Session` of the book's crawlers.
 *
 * @example Ten requests at most in flight to the delay server
 * ```ts
 * await using client = new CrawlClient(server.url, { connections: 10 });
 * const res = await client.get("/add?name=a&delay=100");
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

  /**
   * GETs `path` and reads the whole body.
   *
   * @throws {Error} undici's error when the request fails; `signal.reason` when `signal` aborts it.
   */
  get(path: string, signal?: AbortSignal): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      this.getCallback(path, (error, res) => (error === null ? resolve(res as HttpResponse) : reject(error)), signal);
    });
  }

  /** GETs `path` with a Node-style callback, called once (the callback form: no promise on the way). */
  getCallback(path: string, callback: (error: Error | null, res?: HttpResponse) => void, signal?: AbortSignal): void {
    if (signal?.aborted === true) {
      callback(signal.reason as Error);
      return;
    }
    this.#pool.dispatch({ path, method: "GET" }, new CollectAnswer(callback, signal));
  }

  /** Closes every connection once the requests in flight are answered. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /** `await using client = new CrawlClient(…)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
