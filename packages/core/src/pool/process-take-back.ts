/**
 * Work stealing for worker processes: how the pool takes back the jobs a
 * busy worker process holds and has not started, even while that process's
 * main thread is blocked in a synchronous task.
 *
 * A thread worker shares a slot of memory with the pool, and each job goes to
 * whichever side wins a compare-and-swap on it (see `takeBackUnstarted`). A
 * process shares no memory with the pool, and asking its main thread to give
 * jobs back would go unanswered exactly when it matters: while it runs a long
 * task. But a process shares memory with its own threads, and every worker
 * process already runs a watchdog thread (see `orphan-watchdog.ts`) that its
 * main thread never blocks. So:
 *
 * ```
 *   pool ──── IPC channel (fd 3): jobs, results, "started job n" ────▶ main thread
 *     │                                                                 │ claims each job
 *     │                                                                 │ (CAS on the cells)
 *     └── take-back channel (fd 4) ──▶ watchdog thread ── CAS ──▶ claim cells (SharedArrayBuffer)
 *            "take back through seq L"   ◀── "the worker had claimed c"
 * ```
 *
 * The main thread claims each job, by sequence number, with a compare-and-swap
 * from its previous claim before starting it, exactly as a thread worker does
 * on its slot. The pool asks for the jobs through the last it sent (`L`); the
 * watchdog thread revokes the claims with one compare-and-swap and answers
 * with the last job the main thread had claimed (`c`). Jobs after `c` through
 * `L` are the pool's to deal again: the main thread sees the revoked claim
 * before its next job and skips them unreported, whether they had reached it
 * yet or not. One side wins each job: none runs twice, none is lost. The pool
 * sends the worker nothing while a request is unanswered, so `L` stays its
 * last job. If the process dies first, its jobs are sorted out as for any
 * dead worker: the one it said it started is charged, the others (taken or
 * not) never ran and go back to the queue.
 *
 * Frames on the take-back channel are 4-byte little-endian Int32s: a sequence
 * number one way, a claim (or {@link CLAIM_REVOKED}: nothing taken) the other.
 *
 * @internal
 * @module
 */
import type { ChildProcess, StdioOptions } from "node:child_process";
import type { Socket } from "node:net";
import { CLAIM_REVOKED, SLOT_BYTES, SLOT_CLAIM, SLOT_REVOKED } from "./protocol.js";
import type { WorkerEvents } from "./worker-slot.js";

/** The worker process's file descriptor of the take-back channel. */
const TAKE_BACK_FD = 4;
/** The argument that tells a worker process it has a take-back channel. */
const TAKE_BACK_ARG = "--juggle-take-back";
/** Bytes per frame on the channel. */
const FRAME = 4;

/** `fork` options of a worker process with a take-back channel. */
export const takeBackFork: { args: string[]; stdio: StdioOptions } = {
  args: [TAKE_BACK_ARG],
  stdio: ["inherit", "inherit", "inherit", "ipc", "pipe"],
};

/**
 * The part of the watchdog thread's script (plain CommonJS) that answers the
 * pool's take-back requests, when `workerData.cells` holds the claim cells.
 */
export const ANSWER_TAKE_BACKS = `
if (workerData.cells !== undefined) {
  const claims = new Int32Array(workerData.cells);
  const revoke = (last) => {
    for (;;) {
      const claimed = Atomics.load(claims, ${SLOT_CLAIM});
      // Nothing after the claimed job, or the main thread has not yet seen the last take-back.
      if (claimed === last || claimed === ${CLAIM_REVOKED}) return ${CLAIM_REVOKED};
      Atomics.store(claims, ${SLOT_REVOKED}, last);
      if (Atomics.compareExchange(claims, ${SLOT_CLAIM}, claimed, ${CLAIM_REVOKED}) === claimed) return claimed;
    }
  };
  try {
    const channel = new (require("node:net").Socket)({ fd: ${TAKE_BACK_FD}, readable: true, writable: true });
    let rest = Buffer.alloc(0);
    channel.on("data", (chunk) => {
      const bytes = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      const whole = bytes.length - (bytes.length % ${FRAME});
      const answers = Buffer.allocUnsafe(whole);
      for (let i = 0; i < whole; i += ${FRAME}) answers.writeInt32LE(revoke(bytes.readInt32LE(i)), i);
      rest = bytes.subarray(whole);
      if (whole > 0) channel.write(answers);
    });
    // The pool is gone: the parent check ends this process.
    channel.on("error", () => {});
  } catch {
    // Not a channel this thread can read (a platform without extra stdio pipes):
    // close it, so the pool sees it closed and asks nothing.
    try {
      require("node:fs").closeSync(${TAKE_BACK_FD});
    } catch {}
  }
}
`;

/**
 * In a worker process: the claim cells to share with the watchdog thread, or
 * undefined when the pool gave the process no take-back channel.
 */
export function takeBackCells(): SharedArrayBuffer | undefined {
  return process.argv.includes(TAKE_BACK_ARG) ? new SharedArrayBuffer(SLOT_BYTES) : undefined;
}

/**
 * In the pool: opens the take-back channel of `child` (forked with
 * {@link takeBackFork}). Answers arrive as `takenBack` messages on `events`.
 *
 * @returns A function that asks the worker to take back its unstarted jobs
 *   through sequence number `last` and says whether it could ask (not once
 *   the channel closed), or undefined when the child has no channel.
 */
export function openTakeBack(child: ChildProcess, events: WorkerEvents): ((last: number) => boolean) | undefined {
  const channel = child.stdio[TAKE_BACK_FD] as Socket | null | undefined;
  if (channel === null || channel === undefined) return undefined;
  let asked = 0;
  // The IPC channel keeps the pool's process alive while it has workers: this one never does.
  channel.unref();
  let rest: Buffer = Buffer.alloc(0);
  channel.on("data", (chunk: Buffer) => {
    const bytes = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    const whole = bytes.length - (bytes.length % FRAME);
    for (let i = 0; i < whole; i += FRAME) {
      asked--;
      events.message({ t: "takenBack", claimed: bytes.readInt32LE(i) });
    }
    rest = bytes.subarray(whole);
  });
  // Writing to a dying child fails: its exit sorts out the jobs it held.
  channel.on("error", () => {});
  // Closed with a question unanswered: the child died (its exit sorts out every
  // job it held), or its thread never opened the channel (it took nothing).
  channel.on("close", () => {
    for (; asked > 0; asked--) events.message({ t: "takenBack", claimed: CLAIM_REVOKED });
  });
  return (last) => {
    if (channel.destroyed || !channel.writable) return false;
    const frame = Buffer.allocUnsafe(FRAME);
    frame.writeInt32LE(last);
    asked++;
    channel.write(frame);
    return true;
  };
}
