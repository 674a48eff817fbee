/**
 * The delay server of *High Performance Python* chapter 8: an HTTP server
 * whose answers take as long as the client asks, so a crawler's I/O wait is
 * known exactly, plus the "database" of the primes example.
 *
 * - `GET /add?name=X&delay=MS` answers after MS milliseconds.
 * - `GET /add?prime=N` stores N and answers after the database latency
 *   (50 ms by default).
 * - `GET /log` returns every request's arrival and completion times.
 * - `GET /reset` clears the log and the stored primes.
 *
 * Extra query parameters are ignored (the book appends random letters to
 * defeat caches). Bad parameters get a 400 with a message, never a crash.
 *
 * It is Node's own `node:http` server: its parser (llhttp) refuses malformed
 * requests with a 400 and closes the connection (a negative
 * `Content-Length`, a NUL in the target, lines ending in a bare LF, which
 * RFC 9112 allows a server to refuse), it answers
 * pipelined requests in order, and it stops reading a connection whose
 * answers are not read. `GET /log` is streamed in chunks as the client reads
 * it, so a client that pipelines many `/log` requests without reading holds
 * at most a few chunks in the server's memory. Tuned for thousands of
 * concurrent connections: a large accept backlog (a crawl opens hundreds of
 * connections in the same millisecond; past the backlog the kernel drops
 * SYNs and the client retries a second later), no connection cap, no idle
 * timeout, and `noDelay`.
 *
 * With `tooManyRequests`, a share of the `/add?name=…` requests is answered
 * at once with `429 Too Many Requests` and a `Retry-After` header, as a
 * rate-limited host does (the polite crawl's stand-in).
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { duration, wholeNumber } from "./checks.js";
import { logChunks } from "./delay-log.js";
import { BadParameter, type Query, readNumber, readText } from "./delay-query.js";

/** The 429 answers of {@link DelayServerOptions.tooManyRequests}. */
export interface TooManyRequestsOptions {
  /** Share of `/add?name=…` requests answered 429, from 0 to 1 (evenly spread: 0.25 is every fourth). */
  share: number;
  /** The `Retry-After` header, whole seconds. Default 1. */
  retryAfter?: number;
}

/** Options for {@link DelayServer.start}. */
export interface DelayServerOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Address to listen on. Default `"127.0.0.1"` (loopback only). */
  host?: string;
  /** Milliseconds the "database" (`/add?prime=N`) takes to answer. Default 50. */
  dbLatency?: number;
  /** Largest `delay` accepted, in ms. Default 60,000. */
  maxDelay?: number;
  /** Most log entries kept (oldest dropped first). Default 1,000,000. */
  logLimit?: number;
  /** Accept backlog passed to `listen`. Default 8,192 (the kernel caps it at somaxconn). */
  backlog?: number;
  /** Answer a share of `/add?name=…` requests with 429 + `Retry-After`. Default: never. */
  tooManyRequests?: TooManyRequestsOptions;
}

/** One request as the server saw it. Times are epoch milliseconds (sub-ms precision). */
export interface DelayLogEntry {
  /** `"add"` for named delays, `"prime"` for database saves. */
  kind: "add" | "prime";
  /** The `name` parameter, or the prime as text. */
  name: string;
  /** The delay served, in ms (0 for a 429). */
  delay: number;
  /** When the request arrived. */
  arrivedAt: number;
  /** When the answer was written; `null` when the client went away first. */
  completedAt: number | null;
  /** The status answered: 200, or 429 under `tooManyRequests`. */
  status: number;
}

/** What `GET /log` answers. */
export interface DelayLog {
  entries: DelayLogEntry[];
  /** How many primes the database holds. */
  primes: number;
  /** Entries dropped because of `logLimit`. */
  dropped: number;
  /** Connections accepted since the start or the last reset. */
  connections: number;
}

// Imported, not the global: in a worker thread the global `performance` loads
// node:perf_hooks on first use, which cost ~1.5 ms in the middle of the first
// burst of requests (the server's first `epochNow()`).
const TIME_ORIGIN = performance.timeOrigin;
const epochNow = (): number => TIME_ORIGIN + performance.now();

/** Longest request head accepted (request line and headers). */
const MAX_HEAD = 16 * 1024;
const HELP =
  "juggle delay server\n  GET /add?name=X&delay=MS  answers after MS ms\n  GET /add?prime=N         stores N (database latency)\n  GET /log                 request chronology\n  GET /reset               clears the log\n";

/** The options that shape answers, checked and filled. */
interface Settings {
  dbLatency: number;
  maxDelay: number;
  logLimit: number;
  /** Share of `/add?name=…` answered 429. */
  share: number;
  retryAfter: number;
}

/**
 * The HTTP delay server. Start it with {@link DelayServer.start}; close it
 * with `close()` or `await using`.
 *
 * Python: the Tornado server behind HPP's Examples 8-3 to 8-8.
 *
 * @example Serving delays on a free loopback port
 * ```ts
 * import { DelayServer } from "juggle-lab/delay-server";
 * await using server = await DelayServer.start();
 * const res = await fetch(`${server.url}/add?name=demo&delay=100`);
 * console.log(await res.text(), server.log.length); // answered after 100 ms; 1
 * ```
 */
export class DelayServer implements AsyncDisposable {
  readonly #server: Server;
  readonly #options: Settings;
  readonly #sockets = new Set<Socket>();
  /** Delayed answers not yet written, with their timers. */
  readonly #waiting = new Map<ServerResponse, NodeJS.Timeout>();
  #log: DelayLogEntry[] = [];
  #dropped = 0;
  #primes: number[] = [];
  #accepted = 0;
  /** Error diffusion of the 429 share: a 429 each time it reaches 1. */
  #owed429 = 0;
  #logBytes = 0;
  #closed: Promise<void> | undefined;

  private constructor(server: Server, options: Settings) {
    this.#server = server;
    this.#options = options;
  }

  /**
   * Starts a server and resolves once it listens.
   *
   * @param options Port, host, latencies, log size, backlog, 429 share.
   * @throws {RangeError} For bad options (naming the option and the value).
   * @throws {Error} When the address cannot be bound (`EADDRINUSE`…).
   */
  static async start(options: DelayServerOptions = {}): Promise<DelayServer> {
    const action = "start DelayServer";
    const port = wholeNumber(action, "port", options.port ?? 0, 0, 65535);
    const host = options.host ?? "127.0.0.1";
    const dbLatency = duration(action, "dbLatency", options.dbLatency ?? 50);
    const maxDelay = duration(action, "maxDelay", options.maxDelay ?? 60_000);
    const logLimit = wholeNumber(action, "logLimit", options.logLimit ?? 1_000_000, 1);
    const backlog = wholeNumber(action, "backlog", options.backlog ?? 8192, 1);
    const tooMany = options.tooManyRequests;
    const share = tooMany?.share ?? 0;
    if (typeof share !== "number" || !(share >= 0 && share <= 1)) {
      throw new RangeError(`Cannot ${action} as 'tooManyRequests.share' must be a number from 0 to 1: received ${String(share)}`);
    }
    const retryAfter = wholeNumber(action, "tooManyRequests.retryAfter", tooMany?.retryAfter ?? 1, 0);
    const server = createServer({ noDelay: true, maxHeaderSize: MAX_HEAD, keepAliveTimeout: 0, requestTimeout: 0, requireHostHeader: false });
    server.maxConnections = Number.MAX_SAFE_INTEGER;
    // No idle timeout on kept-alive connections; no limit on requests per socket.
    server.keepAliveTimeout = 0;
    server.headersTimeout = 0;
    const self = new DelayServer(server, { dbLatency, maxDelay, logLimit, share, retryAfter });
    server.on("connection", (socket: Socket) => {
      self.#accepted++;
      self.#sockets.add(socket);
      socket.once("close", () => self.#sockets.delete(socket));
    });
    server.on("request", (req: IncomingMessage, res: ServerResponse) => self.#serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host, backlog }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return self;
  }

  /** The port the server listens on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The host the server listens on. */
  get host(): string {
    return (this.#server.address() as AddressInfo).address;
  }

  /** `http://host:port`, without a trailing slash. */
  get url(): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** Every request seen since the start or the last reset. */
  get log(): readonly DelayLogEntry[] {
    return this.#log;
  }

  /** The primes stored by `/add?prime=N`, in arrival order. */
  get primes(): readonly number[] {
    return this.#primes;
  }

  /** Open client connections. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Delayed answers not yet written. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** Connections accepted since the start or the last reset. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Bytes of `/log` answers produced so far; they are produced only as fast as clients read them. */
  get logBytesProduced(): number {
    return this.#logBytes;
  }

  /** Clears the log, the stored primes, the connection count, and restarts the 429 spread. */
  reset(): void {
    this.#log = [];
    this.#primes = [];
    this.#dropped = 0;
    this.#accepted = 0;
    this.#owed429 = 0;
  }

  /** Stops listening, cancels pending answers and closes every connection. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const [res, timer] of this.#waiting) {
        clearTimeout(timer);
        res.destroy();
      }
      this.#waiting.clear();
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #record(entry: DelayLogEntry): void {
    if (this.#log.length >= this.#options.logLimit) {
      this.#log.shift();
      this.#dropped++;
    }
    this.#log.push(entry);
  }

  #answer(res: ServerResponse, status: number, body: string, type = "application/json"): void {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(res.req.method === "HEAD" ? undefined : body);
  }

  #error(res: ServerResponse, status: number, message: string): void {
    this.#answer(res, status, JSON.stringify({ error: message }));
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const arrivedAt = epochNow();
    const length = req.headers["content-length"];
    if (req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0")) {
      // A body is never read: close the connection so it is not parsed as a request.
      res.shouldKeepAlive = false;
      req.resume();
      return this.#error(res, 413, "Cannot read request as request bodies are not accepted");
    }
    let url: URL;
    try {
      url = new URL(req.url ?? "", "http://localhost");
    } catch {
      return this.#error(res, 400, `Cannot parse request target: received ${JSON.stringify((req.url ?? "").slice(0, 200))}`);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return this.#error(res, 405, `Cannot serve ${url.pathname} as the method must be GET: received ${req.method}`);
    }
    const query: Query = (name) => url.searchParams.get(name);
    switch (url.pathname) {
      case "/add":
        return this.#add(res, query, arrivedAt);
      case "/log":
        return this.#sendLog(res);
      case "/reset":
        this.reset();
        return this.#answer(res, 200, JSON.stringify({ ok: true }));
      case "/":
        return this.#answer(res, 200, HELP, "text/plain; charset=utf-8");
      default:
        return this.#error(res, 404, `Cannot serve ${url.pathname} as no such path exists`);
    }
  }

  #add(res: ServerResponse, query: Query, arrivedAt: number): void {
    let e: DelayLogEntry;
    let prime: number | undefined;
    try {
      if (query("prime") !== null) {
        prime = readNumber(query, "prime", Number.MAX_SAFE_INTEGER, true);
        e = { kind: "prime", name: String(prime), delay: this.#options.dbLatency, arrivedAt, completedAt: null, status: 200 };
      } else {
        const name = readText(query, "name");
        const delay = readNumber(query, "delay", this.#options.maxDelay, false);
        e = { kind: "add", name, delay, arrivedAt, completedAt: null, status: 200 };
      }
    } catch (error) {
      if (!(error instanceof BadParameter)) throw error;
      return this.#error(res, 400, error.message);
    }
    if (e.kind === "add" && this.#options.share > 0) {
      this.#owed429 += this.#options.share;
      if (this.#owed429 >= 1 - 1e-9) {
        this.#owed429 -= 1;
        e.status = 429;
        e.delay = 0;
        e.completedAt = epochNow();
        this.#record(e);
        res.setHeader("retry-after", String(this.#options.retryAfter));
        return this.#error(res, 429, `Cannot serve /add now: retry after ${this.#options.retryAfter} s`);
      }
    }
    const body = JSON.stringify({ ok: true, name: e.name, delay: e.delay });
    const due = e.arrivedAt + e.delay;
    const fire = (): void => {
      // Node starts a timer from the event loop's cached clock, which lags
      // behind when an iteration is busy (hundreds of arrivals at once), so a
      // timer can fire a few ms early. No answer may come before its delay.
      const now = epochNow();
      if (now < due) {
        this.#waiting.set(res, setTimeout(fire, Math.max(1, Math.ceil(due - now))));
        return;
      }
      this.#waiting.delete(res);
      e.completedAt = now;
      if (prime !== undefined) this.#primes.push(prime);
      this.#record(e);
      this.#answer(res, 200, body);
    };
    this.#waiting.set(res, setTimeout(fire, e.delay));
    // A client that leaves mid-delay: its request is logged as unanswered.
    res.once("close", () => {
      const timer = this.#waiting.get(res);
      if (timer === undefined) return;
      clearTimeout(timer);
      this.#waiting.delete(res);
      this.#record(e);
    });
  }

  /** Streams the log: chunks are produced only as the client reads them (backpressure through `pipe`). */
  #sendLog(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "application/json" });
    if (res.req.method === "HEAD") {
      res.end();
      return;
    }
    const head = { primes: this.#primes.length, dropped: this.#dropped, connections: this.#accepted };
    const chunks = logChunks(this.#log, head, (bytes) => {
      this.#logBytes += bytes;
    });
    Readable.from(chunks, { objectMode: false, highWaterMark: 1 }).pipe(res);
  }
}
