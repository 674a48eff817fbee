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
 * It speaks a small HTTP/1.1 directly on `node:net` sockets (keep-alive,
 * pipelining with answers in order, `Connection: close`, HTTP/1.0), for
 * speed: measured on a 2-core machine, `node:http` spends about 50 µs per
 * request, so 500 requests in flight cost 25 ms of server time at each end
 * of a 100 ms wait, a quarter of the ideal crawl time; this server spends a
 * few microseconds. It is tuned for thousands of concurrent connections: a
 * large accept backlog (a crawl opens hundreds of connections in the same
 * millisecond; past the backlog the kernel drops SYNs and the client
 * retries a second later), no connection cap, no idle timeout, and
 * `noDelay` (Nagle's algorithm would hold small answers back for the peer's
 * delayed ACK). Heads over 16 KiB, request bodies and malformed requests
 * get a 4xx answer and the connection is closed.
 *
 * @module
 */
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import Denque from "denque";
import { duration, wholeNumber } from "./checks.js";

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
}

/** One request as the server saw it. Times are epoch milliseconds (sub-ms precision). */
export interface DelayLogEntry {
  /** `"add"` for named delays, `"prime"` for database saves. */
  kind: "add" | "prime";
  /** The `name` parameter, or the prime as text. */
  name: string;
  /** The delay served, in ms. */
  delay: number;
  /** When the request arrived. */
  arrivedAt: number;
  /** When the answer was written; `null` when the client went away first. */
  completedAt: number | null;
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
const HEAD_END = Buffer.from("\r\n\r\n");
const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
  505: "HTTP Version Not Supported",
};
const HELP =
  "juggle delay server\n  GET /add?name=X&delay=MS  answers after MS ms\n  GET /add?prime=N         stores N (database latency)\n  GET /log                 request chronology\n  GET /reset               clears the log\n";

class BadRequest extends Error {}

/** Reads a query parameter: the first value, or null when absent (URLSearchParams.get). */
type Query = (name: string) => string | null;

/**
 * The query of a plain `/add?…` target, read without `new URL`: a URL parse
 * costs about 6 µs per request in a cold process (20 µs in a burst), which is
 * most of the server's work per request while hundreds of requests arrive at
 * once. Only targets with nothing to decode (no `%`, `+`, `#`, `/`) take this
 * path; any other target is parsed by `URL`, so both read the same values.
 */
const UPPER = /[A-Z]/;
const PLAIN_ADD = /^\/add\?[\w.~=&-]*$/;

function plainQuery(target: string): Query {
  const pairs = target.slice(5).split("&");
  return (name) => {
    for (const pair of pairs) {
      const eq = pair.indexOf("=");
      if ((eq < 0 ? pair : pair.slice(0, eq)) === name) return eq < 0 ? "" : pair.slice(eq + 1);
    }
    return null;
  };
}

function param(query: Query, name: string): string {
  const value = query(name);
  if (value === null || value === "") throw new BadRequest(`Cannot serve /add as '${name}' is missing`);
  return value;
}

function numberParam(query: Query, name: string, max: number, integer: boolean): number {
  const raw = param(query, name);
  const value = /^\s*$/.test(raw) ? Number.NaN : Number(raw);
  const kind = integer ? "a non-negative integer" : `a non-negative number of milliseconds <= ${max}`;
  if (!Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new BadRequest(`Cannot serve /add as '${name}' must be ${kind}: received ${JSON.stringify(raw)}`);
  }
  return value;
}

/** One answer owed on a connection; answers leave in request order. */
interface Reply {
  status: number;
  body: string;
  type: string;
  /** The HEAD method: headers only. */
  head: boolean;
  /** Close the connection after this answer. */
  close: boolean;
  ready: boolean;
  /** The timer group it waits in, while its delay runs. */
  group: DueGroup | undefined;
  entry: DelayLogEntry | undefined;
  prime: number | undefined;
}

/**
 * The delayed answers that fall due in one millisecond, behind one timer: a
 * burst of hundreds of requests arms a few dozen timers, not one each.
 */
interface DueGroup {
  key: number;
  timer: NodeJS.Timeout | undefined;
  /** Answers of the group still waiting (dropped ones are skipped). */
  live: number;
  conns: Conn[];
  replies: Reply[];
}

/** A client connection: its unparsed input and the answers it is owed. */
interface Conn {
  socket: Socket;
  input: Buffer | undefined;
  replies: Denque<Reply>;
  /** No more requests are read (a `Connection: close` or an error was seen). */
  done: boolean;
  /** A flush is scheduled for the end of this event-loop iteration. */
  flushing: boolean;
}

/**
 * The HTTP delay server. Start it with {@link DelayServer.start}; close it
 * with `close()` or `await using`.
 *
 * Python: the Tornado server behind HPP's Examples 8-3 to 8-8.
 *
 * @example Serving delays on a free loopback port
 * ```ts
 * await using server = await DelayServer.start();
 * const res = await fetch(`${server.url}/add?name=demo&delay=100`);
 * console.log(await res.text(), server.log.length); // answered after 100 ms; 1
 * ```
 */
export class DelayServer implements AsyncDisposable {
  readonly #server: Server;
  readonly #dbLatency: number;
  readonly #maxDelay: number;
  readonly #logLimit: number;
  readonly #conns = new Set<Conn>();
  #log: DelayLogEntry[] = [];
  #dropped = 0;
  #primes: number[] = [];
  #accepted = 0;
  #pending = 0;
  readonly #due = new Map<number, DueGroup>();
  #closed: Promise<void> | undefined;

  private constructor(server: Server, options: Required<Pick<DelayServerOptions, "dbLatency" | "maxDelay" | "logLimit">>) {
    this.#server = server;
    this.#dbLatency = options.dbLatency;
    this.#maxDelay = options.maxDelay;
    this.#logLimit = options.logLimit;
  }

  /**
   * Starts a server and resolves once it listens.
   *
   * @throws {RangeError} For bad options.
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
    const server = createServer({ noDelay: true, allowHalfOpen: true });
    // No cap on connections.
    server.maxConnections = Number.MAX_SAFE_INTEGER;
    const self = new DelayServer(server, { dbLatency, maxDelay, logLimit });
    server.on("connection", (socket) => self.#accept(socket));
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
    return this.#conns.size;
  }

  /** Delayed answers not yet written. */
  get pending(): number {
    return this.#pending;
  }

  /** Connections accepted since the start or the last reset. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Clears the log and the stored primes. */
  reset(): void {
    this.#log = [];
    this.#primes = [];
    this.#dropped = 0;
    this.#accepted = 0;
  }

  /** Stops listening, cancels pending answers and closes every connection. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const conn of [...this.#conns]) this.#drop(conn);
    });
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #accept(socket: Socket): void {
    const conn: Conn = { socket, input: undefined, replies: new Denque<Reply>(), done: false, flushing: false };
    this.#conns.add(conn);
    this.#accepted++;
    // noDelay is already set by the server option: no second setsockopt per connection.
    socket.on("data", (chunk: Buffer) => this.#read(conn, chunk));
    socket.on("error", () => this.#drop(conn));
    socket.on("close", () => this.#drop(conn));
    socket.on("end", () => {
      // The client sent everything: answer what is owed, then close.
      conn.done = true;
      if (conn.replies.length === 0) socket.end();
    });
  }

  /** Forgets a connection: owed answers are cancelled (and logged as unanswered). */
  #drop(conn: Conn): void {
    if (!this.#conns.delete(conn)) return;
    conn.done = true;
    for (let reply = conn.replies.shift(); reply !== undefined; reply = conn.replies.shift()) {
      const group = reply.group;
      if (group !== undefined) {
        reply.group = undefined;
        if (--group.live === 0) this.#disarm(group);
        this.#pending--;
      }
      if (reply.entry !== undefined) this.#record(reply.entry);
    }
    conn.socket.destroy();
  }

  #record(entry: DelayLogEntry): void {
    if (this.#log.length >= this.#logLimit) {
      this.#log.shift();
      this.#dropped++;
    }
    this.#log.push(entry);
  }

  /** Parses every complete request in the connection's input. */
  #read(conn: Conn, chunk: Buffer): void {
    if (conn.done) return;
    const input = conn.input === undefined ? chunk : Buffer.concat([conn.input, chunk]);
    // Pipelined requests are read by offset: no Buffer view made per request.
    let at = 0;
    for (;;) {
      const end = input.indexOf(HEAD_END, at);
      if (end < 0) {
        if (input.length - at > MAX_HEAD) this.#fail(conn, 431, "Cannot read request as its head is over 16 KiB");
        break;
      }
      if (end - at > MAX_HEAD) {
        this.#fail(conn, 431, "Cannot read request as its head is over 16 KiB");
        break;
      }
      const head = input.toString("latin1", at, end);
      at = end + 4;
      if (!this.#request(conn, head) || conn.done) break;
    }
    conn.input = conn.done || at >= input.length ? undefined : at === 0 ? input : input.subarray(at);
  }

  /** Answers one request head; false when the connection must stop reading. */
  #request(conn: Conn, head: string): boolean {
    const arrivedAt = epochNow();
    const lineEnd = head.indexOf("\r\n");
    const line = lineEnd < 0 ? head : head.slice(0, lineEnd);
    const match = /^([A-Z]+) (\S+) HTTP\/(1\.[01])$/.exec(line);
    if (match === null) {
      this.#fail(conn, 400, `Cannot read request as its request line is malformed: received ${JSON.stringify(line.slice(0, 200))}`);
      return false;
    }
    // Index access, not array destructuring: destructuring runs the array
    // iterator, which cost a fifth of the server's time per request in a cold
    // process.
    const method = match[1] as string;
    const target = match[2] as string;
    const version = match[3] as string;
    const fields = lineEnd < 0 ? "" : head.slice(lineEnd);
    const headers = UPPER.test(fields) ? fields.toLowerCase() : fields;
    if (/\r\ntransfer-encoding:/.test(headers) || /\r\ncontent-length:\s*0*[1-9]/.test(headers)) {
      this.#fail(conn, 413, "Cannot read request as request bodies are not accepted");
      return false;
    }
    const connection = /\r\nconnection:\s*([^\r]*)/.exec(headers)?.[1]?.trim() ?? "";
    const close = version === "1.0" ? connection !== "keep-alive" : connection === "close";
    const reply: Reply = {
      status: 200,
      body: "",
      type: "application/json",
      head: method === "HEAD",
      close,
      ready: true,
      group: undefined,
      entry: undefined,
      prime: undefined,
    };
    if (close) conn.done = true;
    conn.replies.push(reply);
    this.#route(reply, method, target, arrivedAt);
    if (reply.ready) this.#flush(conn);
    else {
      this.#pending++;
      this.#schedule(conn, reply);
    }
    return true;
  }

  /** Puts a delayed answer in the timer group of the millisecond it falls due. */
  #schedule(conn: Conn, reply: Reply): void {
    const entry = reply.entry as DelayLogEntry;
    const key = Math.ceil(entry.arrivedAt + entry.delay);
    let group = this.#due.get(key);
    if (group === undefined) {
      group = { key, timer: undefined, live: 0, conns: [], replies: [] };
      group.timer = setTimeout(this.#fire, Math.max(1, Math.ceil(key - epochNow())), group);
      this.#due.set(key, group);
    }
    group.live++;
    group.conns.push(conn);
    group.replies.push(reply);
    reply.group = group;
  }

  #disarm(group: DueGroup): void {
    clearTimeout(group.timer);
    group.timer = undefined;
    if (this.#due.get(group.key) === group) this.#due.delete(group.key);
  }

  /**
   * A group's timer fired. Node starts a timer from the event loop's cached
   * clock, which lags behind when an iteration is busy (hundreds of arrivals
   * at once), so a timer can fire a few ms early. No answer may come before
   * its delay: one that is not yet due goes back into a group for what is
   * left. (Polling the last fraction of a millisecond with `setImmediate`
   * instead was tried: the median lateness fell to ~0.1 ms but the spinning
   * thread was answered 3–5 ms late in the tail on a 2-core machine, and
   * efficiency did not improve.)
   */
  readonly #fire = (group: DueGroup): void => {
    if (this.#due.get(group.key) === group) this.#due.delete(group.key);
    group.timer = undefined;
    const now = epochNow();
    const { conns, replies } = group;
    for (let i = 0; i < replies.length; i++) {
      const reply = replies[i] as Reply;
      const conn = conns[i] as Conn;
      if (reply.group !== group) continue; // dropped with its connection
      reply.group = undefined;
      const entry = reply.entry as DelayLogEntry;
      if (now < entry.arrivedAt + entry.delay) {
        this.#schedule(conn, reply);
        continue;
      }
      this.#pending--;
      reply.ready = true;
      entry.completedAt = now;
      if (reply.prime !== undefined) this.#primes.push(reply.prime);
      this.#record(entry);
      reply.entry = undefined;
      // Answers that fall due in the same iteration (pipelined requests on
      // this connection) leave in one write: one syscall, not one each.
      if (!conn.flushing) {
        conn.flushing = true;
        setImmediate(() => {
          conn.flushing = false;
          if (this.#conns.has(conn)) this.#flush(conn);
        });
      }
    }
  };

  #route(reply: Reply, method: string, target: string, arrivedAt: number): void {
    const error = (status: number, message: string): void => {
      reply.status = status;
      reply.body = JSON.stringify({ error: message });
    };
    let pathname: string;
    let query: Query;
    if (PLAIN_ADD.test(target)) {
      pathname = "/add";
      query = plainQuery(target);
    } else {
      let url: URL;
      try {
        url = new URL(target, "http://localhost");
      } catch {
        return error(400, `Cannot parse request target: received ${JSON.stringify(target.slice(0, 200))}`);
      }
      pathname = url.pathname;
      query = (name) => url.searchParams.get(name);
    }
    if (method !== "GET" && method !== "HEAD") {
      return error(405, `Cannot serve ${pathname} as the method must be GET: received ${method}`);
    }
    switch (pathname) {
      case "/add":
        try {
          if (query("prime") !== null) {
            const prime = numberParam(query, "prime", Number.MAX_SAFE_INTEGER, true);
            reply.prime = prime;
            reply.entry = { kind: "prime", name: String(prime), delay: this.#dbLatency, arrivedAt, completedAt: null };
          } else {
            const name = param(query, "name");
            const delay = numberParam(query, "delay", this.#maxDelay, false);
            reply.entry = { kind: "add", name, delay, arrivedAt, completedAt: null };
          }
        } catch (e) {
          if (!(e instanceof BadRequest)) throw e;
          return error(400, e.message);
        }
        reply.ready = false;
        reply.body = JSON.stringify({ ok: true, name: reply.entry.name, delay: reply.entry.delay });
        return;
      case "/log": {
        const log: DelayLog = { entries: this.#log, primes: this.#primes.length, dropped: this.#dropped, connections: this.#accepted };
        reply.body = JSON.stringify(log);
        return;
      }
      case "/reset":
        this.reset();
        reply.body = JSON.stringify({ ok: true });
        return;
      case "/":
        reply.body = HELP;
        reply.type = "text/plain; charset=utf-8";
        return;
      default:
        return error(404, `Cannot serve ${pathname} as no such path exists`);
    }
  }

  /** Writes the answers that are ready, in request order, in one write. */
  #flush(conn: Conn): void {
    let out = "";
    for (let reply = conn.replies.peekFront(); reply?.ready; reply = conn.replies.peekFront()) {
      conn.replies.shift();
      const length = Buffer.byteLength(reply.body);
      const head = `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? "Unknown"}\r\ncontent-type: ${reply.type}\r\ncontent-length: ${length}\r\nconnection: ${reply.close ? "close" : "keep-alive"}\r\n\r\n`;
      out += reply.head ? head : head + reply.body;
      if (reply.close) {
        conn.socket.end(out);
        this.#conns.delete(conn);
        return;
      }
    }
    if (out !== "") conn.socket.write(out);
    if (conn.done && conn.replies.length === 0 && this.#conns.has(conn)) {
      // The client half-closed and everything owed was written.
      conn.socket.end();
    }
  }

  /** Answers a request that cannot be read with `status` and closes the connection. */
  #fail(conn: Conn, status: number, message: string): void {
    conn.done = true;
    conn.replies.push({
      status,
      body: JSON.stringify({ error: message }),
      type: "application/json",
      head: false,
      close: true,
      ready: true,
      group: undefined,
      entry: undefined,
      prime: undefined,
    });
    this.#flush(conn);
  }
}
