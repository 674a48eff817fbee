/**
 * The entry point of the worker thread of a `Thread` and of the child process
 * of a `Process`: receives the target and its arguments, runs it once, sends
 * back its result or error, and ends the worker, whatever timers or sockets
 * the target left behind (a Python thread ends when its `run()` returns).
 *
 * Protocol (one message each way, then an acknowledgement for threads):
 *
 *   parent                         worker / child
 *     | -- run {target, args} -->     |   (workerData for threads)
 *     |                               |   result = await target(...args)
 *     | <-- done {ok, value|error} -- |
 *     | -- ack ------------------->   |   (threads only: process.exit() in a
 *     |                               |    worker drops messages not yet read)
 *     |                         exit(0 | 1)
 *
 * @internal
 * @module
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { serializeError } from "../internal/errors.js";
import { decodeShared, encodeShared } from "../internal/shareable.js";
import type { TargetOutcome, TargetRequest } from "./runnable.js";
import { callWithSignal, resolveTask } from "../executor/task.js";
import { watchParent } from "./orphan-watchdog.js";

// A target's signal: a Thread or Process is stopped by terminate()/kill(),
// which end the worker outright (as in Python), so the signal never aborts.
const neverAborted = new AbortController().signal;

async function run(request: TargetRequest): Promise<TargetOutcome> {
  try {
    const fn = await resolveTask(request.target);
    const args = (await decodeShared(request.args)) as unknown[];
    const value = await callWithSignal(fn, args, neverAborted);
    return { type: "done", ok: true, value: encodeShared(value) };
  } catch (error) {
    return { type: "done", ok: false, error: serializeError(error) };
  }
}

function unsendable(request: TargetRequest, cause: unknown): TargetOutcome {
  const error = new TypeError(
    `Cannot return the result of task '${request.target.name}' as it cannot be sent to the parent: ${(cause as Error)?.message ?? cause}`,
  );
  return { type: "done", ok: false, error: serializeError(error) };
}

function exitCodeOf(outcome: TargetOutcome): number {
  return outcome.ok ? 0 : 1;
}

function unknownMessage(message: unknown): never {
  throw new Error(`Unknown message from the parent of a juggle target: ${JSON.stringify(message)}`);
}

if (!isMainThread && parentPort !== null) {
  // A Thread's worker.
  const port = parentPort;
  const request = workerData as TargetRequest;
  void run(request).then((outcome) => {
    let sent = outcome;
    try {
      port.postMessage(outcome);
    } catch (cause) {
      sent = unsendable(request, cause);
      port.postMessage(sent);
    }
    port.once("message", (message: unknown) => {
      if (message !== "ack") unknownMessage(message);
      process.exit(exitCodeOf(sent));
    });
  });
} else if (typeof process.send === "function") {
  // A Process's child.
  const send = process.send.bind(process);
  let daemon = false;
  let done = false;
  const finish = (outcome: TargetOutcome, request: TargetRequest | undefined): void => {
    if (done) return;
    done = true;
    let sent = outcome;
    try {
      send(outcome, undefined, undefined, () => process.exit(exitCodeOf(sent)));
    } catch (cause) {
      sent = request === undefined ? outcome : unsendable(request, cause);
      send(sent, undefined, undefined, () => process.exit(exitCodeOf(sent)));
    }
  };
  // An uncaught error of the target is its error, as in a worker thread.
  process.on("uncaughtException", (error) => {
    if (done) process.exit(1);
    finish({ type: "done", ok: false, error: serializeError(error) }, undefined);
  });
  // A daemon dies with its parent (Python terminates daemonic children when
  // the parent exits); the parent's exit handler cannot run on SIGKILL. The
  // 'disconnect' event needs a free event loop; a target that never yields
  // is stopped by the watchdog thread, started before the target runs.
  process.on("disconnect", () => {
    if (daemon && !done) process.exit(1);
  });
  process.once("message", (message: unknown) => {
    const request = message as TargetRequest;
    if (request?.type !== "run") unknownMessage(message);
    daemon = request.daemon;
    const start = (): void => void run(request).then((outcome) => finish(outcome, request));
    if (daemon) watchParent(start);
    else start();
  });
} else {
  throw new Error("target-entry.js runs only as the worker of a juggle Thread or the child of a juggle Process");
}
