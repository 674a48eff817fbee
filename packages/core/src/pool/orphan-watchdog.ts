/**
 * Makes a child process die with its parent even while its main thread is
 * busy.
 *
 * A pool worker whose parent is gone stops on the IPC channel's `disconnect`
 * event, but that event needs the main thread's event loop: a task in a tight
 * synchronous loop never lets it run, and after a `SIGKILL` of the parent
 * (which runs no exit handler) the worker would be reparented and keep a core
 * busy forever. A small worker thread is not blocked by the main thread: it
 * checks every {@link WATCH_PERIOD} ms whether the process's parent changed
 * (the kernel reparents an orphan to PID 1 or a subreaper) and, if so, kills
 * its own process with `SIGKILL` (a result nobody can read is not worth
 * finishing, and a blocked main thread could not run a gentler handler).
 *
 * The same thread answers the pool's requests to take back jobs the process
 * holds and has not started, for the same reason: its main thread may be
 * busy (see `process-take-back.ts`).
 *
 * The thread is unref'd: it never keeps the process alive. It costs one
 * thread and a small isolate per child process; Linux and macOS report the
 * new parent, Windows does not reparent (there the `disconnect` event and the
 * parent's own `kill` on exit remain).
 *
 * @internal
 * @module
 */
import { Worker } from "node:worker_threads";
import { ANSWER_TAKE_BACKS } from "./process-take-back.js";

/** How often the watchdog looks at the parent's pid, in ms. */
export const WATCH_PERIOD = 200;

// Plain CommonJS, evaluated in the thread: no file to resolve, nothing to load.
const WATCHDOG = `
const { parentPort, workerData } = require("node:worker_threads");
const { parent, period } = workerData;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");
}, period);
${ANSWER_TAKE_BACKS}
parentPort.postMessage("watching");
`;

/**
 * Starts the watchdog thread of this child process and calls `ready` once it
 * watches (or once it failed to start: without its watchdog the process
 * still stops on `disconnect` whenever its task yields). A new thread only
 * runs its script after the main thread has turned its event loop, so a
 * task started at once and spinning would keep the watchdog from ever
 * starting: start such a task from `ready`.
 *
 * @param ready Called once, when the thread watches or could not start.
 * @param cells The claim cells the main thread shares with the thread, to
 *   answer take-back requests (see `process-take-back.ts`); none: no requests.
 */
export function watchParent(ready: () => void, cells?: SharedArrayBuffer): void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    ready();
  };
  const watchdog = new Worker(WATCHDOG, { eval: true, workerData: { parent: process.ppid, period: WATCH_PERIOD, cells } });
  watchdog.once("message", once);
  // Never an unhandled 'error' in the main thread.
  watchdog.once("error", once);
  watchdog.once("exit", once);
  watchdog.unref();
}

/**
 * Starts the watchdog thread of this child process and returns `handle`
 * gated on it: messages that arrive before the thread watches are kept, in
 * order, and handled once it does (or once it failed to start), so the first
 * task waits for it (one thread start, overlapping the process's own boot).
 *
 * @param handle The child's message dispatcher.
 * @param cells The claim cells the main thread shares with the thread, to
 *   answer take-back requests (see `process-take-back.ts`); none: no requests.
 * @returns The dispatcher to register on `process.on("message")`.
 */
export function dieWithParent<M>(handle: (message: M) => void, cells?: SharedArrayBuffer): (message: M) => void {
  let held: M[] | undefined = [];
  watchParent(() => {
    const messages = held;
    held = undefined;
    for (const message of messages ?? []) handle(message);
  }, cells);
  return (message) => {
    if (held === undefined) handle(message);
    else held.push(message);
  };
}
