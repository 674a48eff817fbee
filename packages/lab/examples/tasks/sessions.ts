/**
 * The task module of the roadmap article's session examples: downloads a page with an
 * HTTP "session" (a keep-alive `http.Agent`, which pools connections as
 * `requests.Session` does), one session per worker.
 *
 * Module state is per worker: each worker thread has its own JavaScript
 * engine and loads its own copy of this module, and each child process has
 * its own memory. So the module-level `session` below is already what
 * Python's `threading.local()` gives a thread, and what the "global session"
 * set by a `Pool` initializer gives a process.
 *
 * @module
 */
import { Agent, get } from "node:http";
import { threadId } from "node:worker_threads";

/** This worker's session, created on first use (or by the initializer). */
let session: Agent | undefined;
/** How many sessions this worker has created: 1 if the pattern works. */
let sessionsCreated = 0;
/** Set by the initializer of the process example. */
let baseUrl = "";

/** What `downloadSite` reports. */
export interface Download {
  url: string;
  bytes: number;
  /** `pid:threadId` of the worker that downloaded it. */
  worker: string;
  /** Sessions that worker had created so far. */
  sessionsCreated: number;
}

function newSession(): Agent {
  sessionsCreated++;
  // keepAlive: reuse connections between requests, as requests.Session does.
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

/**
 * The roadmap article's `get_session()` (threading): this thread's session, created
 * once per thread.
 */
export function getSession(): Agent {
  session ??= newSession();
  return session;
}

/**
 * The roadmap article's `set_global_session()` (multiprocessing): the pool's
 * `initializer`, run once in each worker before its first task.
 */
export function setGlobalSession(base: string): void {
  baseUrl = base;
  session ??= newSession();
}

/** Downloads `url` (absolute, or relative to the initializer's base) with this worker's session. */
export function downloadSite(url: string): Promise<Download> {
  const full = new URL(url, baseUrl || undefined).href;
  return new Promise((resolve, reject) => {
    get(full, { agent: getSession() }, (response) => {
      let bytes = 0;
      response.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on("end", () =>
        resolve({ url: full, bytes, worker: `${process.pid}:${threadId}`, sessionsCreated }),
      );
      response.on("error", reject);
    }).on("error", reject);
  });
}
