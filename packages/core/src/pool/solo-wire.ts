/**
 * The compact forms of the commonest messages between a pool and a thread
 * worker: a `run` of one job whose one argument is a primitive travels as one
 * string, and a `done` with one successful result that is a primitive as that
 * bare value. A task submitted and awaited alone (`await pool.submit(t.square,
 * x)`, one at a time) costs one message each way (the same system calls as a
 * bare `postMessage(number)` ping-pong), and a good part of what it costs
 * beyond that ping-pong was the shape of those messages; the rest is the
 * JavaScript on both sides, spread thin.
 *
 * Why: Node clones a message with V8's serializer, which pays per object and
 * per property, while a string is copied in one piece. Measured on Node 26
 * (2 cores, 100,000 messages to a worker), sending and receiving one message
 * cost: a number 0.6 + 0.9 µs, a short string 1.0 + 1.2 µs, the object
 * `{ t: "run", defs, jobs: [id, task, flags, arg], seq }` 2.3 + 3.1 µs, and
 * `{ t: "done", r: [id, status, value], times, busy }` 1.5 + 2.7 µs, against
 * a bare round trip of about 27 µs (bench/pool.ts, section 2). The string
 * costs some formatting and parsing (about 1 µs a round trip, in a CPU
 * profile), which the serializer's savings more than pay for.
 *
 *   run:   "<id>,<task>,<flags>,<seq>,<tag><value>"   (a RunMessage with one job, no defs)
 *   done:  the value itself                          (a DoneMessage with one STATUS_OK result, no times)
 *
 * A bare result needs neither id nor busy time: results come back in the
 * order jobs were sent, so it is the oldest unreported job's, and a thread
 * worker writes its busy time into its shared slot (see SLOT_BUSY), which
 * the pool reads on every result message. Every other message is an object.
 *
 * In a run, the value comes last, so a string value needs no escaping. Tags: `n` a
 * number (`Number(String(x)) === x` for every number but -0, written `-0`),
 * `s` a string, `i` a bigint, `t`/`f` a boolean, `u` undefined, `z` null.
 * Anything else (objects, long strings, errors, traced jobs, several jobs)
 * travels in the object form of `protocol.ts`, which the compact one mirrors.
 *
 * @internal
 * @module
 */
import { type Bare, type DoneMessage, FLAG_ONE, JOB_FIELDS, type RunMessage, STATUS_OK, type ToWorker } from "./protocol.js";

/**
 * Strings longer than this go in the object form: the compact form copies the
 * value once more (into the message string), which only short ones ignore.
 */
const MAX_STRING = 1024;

/** `value` tagged for the compact form, or undefined when it cannot go in one. */
function tagged(value: unknown): string | undefined {
  switch (typeof value) {
    case "number":
      return value === 0 && 1 / value < 0 ? "n-0" : `n${value}`;
    case "string":
      return value.length <= MAX_STRING ? `s${value}` : undefined;
    case "boolean":
      return value ? "t" : "f";
    case "undefined":
      return "u";
    case "bigint":
      return `i${value}`;
    default:
      return value === null ? "z" : undefined;
  }
}

/** Stands for a value whose tag is unknown. */
const UNKNOWN: unique symbol = Symbol("unknown");

/** The value tagged at `at` in `s` (see {@link tagged}), or {@link UNKNOWN}. */
function untag(s: string, at: number): unknown {
  switch (s.charCodeAt(at)) {
    case 110: // n
      return Number(s.slice(at + 1));
    case 115: // s
      return s.slice(at + 1);
    case 116: // t
      return true;
    case 102: // f
      return false;
    case 117: // u
      return undefined;
    case 105: // i
      return BigInt(s.slice(at + 1));
    case 122: // z
      return null;
    default:
      return UNKNOWN;
  }
}

/**
 * The compact form of `message` when it is a `run` of one job whose one
 * argument is a primitive, with no defs and nothing to transfer; else undefined.
 */
export function soloRun(message: ToWorker, transfer: readonly unknown[] | undefined): string | undefined {
  if (message.t !== "run" || message.defs !== null || transfer !== undefined) return undefined;
  const jobs = message.jobs;
  if (jobs.length !== JOB_FIELDS || ((jobs[2] as number) & FLAG_ONE) === 0) return undefined;
  const value = tagged(jobs[3]);
  return value === undefined ? undefined : `${jobs[0]},${jobs[1]},${jobs[2]},${message.seq},${value}`;
}

/**
 * Whether a thread worker posts `value`, its lone successful result, as itself
 * rather than in a `done` message: a primitive that can be cloned.
 */
export function isBare(value: unknown): value is Bare {
  const type = typeof value;
  return value === null || (type !== "object" && type !== "function" && type !== "symbol");
}

/**
 * The `done` message a bare result stands for: the result of `job`, the
 * oldest job the worker holds (results come back in the order jobs were
 * sent), or of no job (-1, a protocol error) when it holds none. Its busy
 * time is read from the worker's slot (see SLOT_BUSY).
 */
export function bareDone(job: { readonly id: number } | undefined, value: Bare): DoneMessage {
  return { t: "done", r: [job === undefined ? -1 : job.id, STATUS_OK, value], times: null, busy: 0 };
}

/**
 * The `run` message a compact one stands for.
 *
 * @throws {Error} When `s` is not a compact `run` (the worker fails loudly, as for any unknown message).
 */
export function readSoloRun(s: string): RunMessage {
  const a = s.indexOf(",");
  const b = s.indexOf(",", a + 1);
  const c = s.indexOf(",", b + 1);
  const d = s.indexOf(",", c + 1);
  const value = d < 0 ? UNKNOWN : untag(s, d + 1);
  if (a < 0 || value === UNKNOWN) {
    throw new Error(`Cannot handle message in pool worker as it is not a compact run: received ${JSON.stringify(s.slice(0, 40))}`);
  }
  const jobs = [Number(s.slice(0, a)), Number(s.slice(a + 1, b)), Number(s.slice(b + 1, c)), value];
  return { t: "run", defs: null, jobs, seq: Number(s.slice(c + 1, d)) };
}
