/**
 * Runs the {@link DelayServer} in a worker thread of the lab's own process.
 *
 * The crawl's client and the server would otherwise share one event loop:
 * every microsecond the server spends accepting a connection or writing an
 * answer is a microsecond the client cannot send or read, and both show up
 * as lost efficiency. In its own thread the server uses the second core,
 * as the book's Tornado server ran in its own process. Nothing to start by
 * hand: the lab calls {@link startServerThread} on first use.
 *
 * @module
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { wholeNumber } from "./checks.js";
import { type DelayLog, DelayServer, type DelayServerOptions } from "./delay-server.js";
import type { DelayServerHandle } from "./experiment.js";
import { warmUpServer } from "./server-warm-up.js";

/** Options of {@link startServerThread}: the server's, and its warm-up. */
export interface ServerThreadOptions extends DelayServerOptions {
  /**
   * Requests the server sends itself before it reports ready, not logged, so
   * its request path is compiled before anyone measures it (see
   * `server-warm-up.ts`). 0: none. Default 400.
   */
  warmUp?: number;
}

type ToWorker = { type: "log"; id: number } | { type: "reset"; id: number } | { type: "close" };
type FromWorker =
  | { type: "ready"; url: string; dbLatency: number }
  | { type: "log"; id: number; log: DelayLog }
  | { type: "reset"; id: number }
  | { type: "error"; error: { message: string; code?: string; stack?: string } };

/** A delay server in a worker thread. Close it when done. */
export interface ServerThread extends DelayServerHandle, AsyncDisposable {
  close(): Promise<void>;
}

/**
 * Starts a delay server in a worker thread; resolves once it listens and
 * has warmed its request path (`warmUp` requests to itself, then its log is
 * cleared).
 *
 * Python: running HPP's Tornado delay server in its own process.
 *
 * @param options The server's options, and `warmUp` (default 400; 0: none).
 * @throws {RangeError} When `warmUp` is not a non-negative integer, or a server option is bad.
 *
 * @example A warmed server in its own thread
 * ```ts
 * await using server = await startServerThread();
 * const res = await fetch(`${server.url}/add?name=a&delay=10`);
 * ```
 */
export async function startServerThread(options: ServerThreadOptions = {}): Promise<ServerThread> {
  wholeNumber("start the delay server thread", "warmUp", options.warmUp ?? 400);
  const worker = new Worker(new URL(import.meta.url), { workerData: { juggleDelayServer: options } });
  let nextId = 0;
  let failure: unknown;
  const waiting = new Map<number, { resolve: (message: FromWorker) => void; reject: (error: unknown) => void }>();
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  // A thread that dies fails every question still waiting for its answer.
  worker.once("exit", (code) => {
    failure ??= new Error(`Cannot reach the delay server as its thread exited with code ${code}`);
    for (const { reject } of waiting.values()) reject(failure);
    waiting.clear();
  });
  const ready = new Promise<{ url: string; dbLatency: number }>((resolve, reject) => {
    worker.on("message", (message: FromWorker) => {
      if (message.type === "ready") resolve(message);
      else if (message.type === "error") {
        const { message: text, code, stack } = message.error;
        const error = Object.assign(new Error(text), code === undefined ? {} : { code });
        if (stack !== undefined) error.stack = stack;
        failure = error;
        reject(failure);
      } else {
        waiting.get(message.id)?.resolve(message);
        waiting.delete(message.id);
      }
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`Cannot start delay server as its thread exited with code ${code}`)));
  });
  const { url, dbLatency } = await ready;
  const ask = <T extends FromWorker>(message: ToWorker & { id: number }): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure !== undefined) return reject(failure);
      waiting.set(message.id, { resolve: resolve as (m: FromWorker) => void, reject });
      worker.postMessage(message);
    });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      worker.postMessage({ type: "close" } satisfies ToWorker);
      await exited;
    })();
    return closing;
  };
  return {
    url,
    dbLatency,
    log: async () => (await ask<{ type: "log"; id: number; log: DelayLog }>({ type: "log", id: nextId++ })).log,
    reset: async () => {
      await ask({ type: "reset", id: nextId++ });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function serve(options: ServerThreadOptions): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  try {
    const server = await DelayServer.start(options);
    if (options.warmUp !== 0) {
      await warmUpServer(server.url, { requests: options.warmUp ?? 400 });
      server.reset();
    }
    port.on("message", (message: ToWorker) => {
      if (message.type === "log") {
        const log: DelayLog = { entries: [...server.log], primes: server.primes.length, dropped: 0, connections: server.accepted };
        port.postMessage({ type: "log", id: message.id, log } satisfies FromWorker);
      } else if (message.type === "reset") {
        server.reset();
        port.postMessage({ type: "reset", id: message.id } satisfies FromWorker);
      } else {
        void server.close().then(() => port.close());
      }
    });
    port.postMessage({ type: "ready", url: server.url, dbLatency: options.dbLatency ?? 50 } satisfies FromWorker);
  } catch (error) {
    // The server's start failure (EADDRINUSE…) with its code: postMessage would drop the code.
    const { message = String(error), code, stack } = (error ?? {}) as { message?: string; code?: string; stack?: string };
    port.postMessage({ type: "error", error: { message, code, stack } } satisfies FromWorker);
  }
}

// Started as the server's thread: the options come under a key no other worker uses.
if (!isMainThread && (workerData as { juggleDelayServer?: unknown } | null)?.juggleDelayServer !== undefined) {
  await serve((workerData as { juggleDelayServer: ServerThreadOptions }).juggleDelayServer);
}
