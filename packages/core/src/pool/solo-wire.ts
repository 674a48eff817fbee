/**
 * The one-string form of the commonest messages between a pool and a thread
 * worker: a `run` of one job whose one argument is a primitive, and a `done`
 * with one result that is a primitive. A task submitted and awaited alone
 * (`await pool.submit(t.square, x)`, one at a time) costs one message each
 * way (the same system calls as a bare `postMessage(number)` ping-pong), and
 * a good part of what it costs beyond that ping-pong was the shape of those
 * messages; the rest is the JavaScript on both sides, spread thin.
 *
 * Why a string: Node clones a message with V8's serializer, which pays per
 * object and per property, while a string is copied in one piece. Measured
 * on Node 26 (2 cores, 100,000 messages to a worker), sending and receiving
 * one message cost: a number 0.6 + 0.9 µs, a short string 1.0 + 1.2 µs, the
 * object `{ t: "run", defs, jobs: [id, task, flags, arg], seq }` 2.3 + 3.1 µs,
 * and `{ t: "done", r: [id, status, value], times, busy }` 1.5 + 2.7 µs,
 * against a bare round trip of about 27 µs (bench/pool.ts, section 2). The
 * string costs some formatting and parsing (about 1 µs a round trip, in a
 * CPU profile), which the serializer's savings more than pay for.
 *
 *   run:   "<id>,<task>,<flags>,<seq>,<tag><value>"   (a RunMessage with one job, no defs)
 *   done:  "<id>,<busy ns>,<tag><value>"               (a DoneMessage with one STATUS_OK result, no times)
 *
 * The value comes last, so a string value needs no escaping. Tags: `n` a
 * number (`Number(String(x)) === x` for every number but -0, written `-0`),
 * `s` a string, `i` a bigint, `t`/`f` a boolean, `u` undefined, `z` null.
 * Anything else (objects, long strings, errors, traced jobs, several jobs)
 * travels in the object form of `protocol.ts`, which the compact one mirrors.
 *
 * @internal
 * @module
 */
import { type DoneMessage, FLAG_ONE, JOB_FIELDS, type RunMessage, STATUS_OK, type ToWorker } from "./protocol.js";

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

/** The compact form of a `done` with one successful result, or undefined when `value` is not a primitive. */
export function soloDone(id: number, busy: number, value: unknown): string | undefined {
  const tag = tagged(value);
  // Busy time in whole nanoseconds: an integer is written and read faster than a fraction.
  return tag === undefined ? undefined : `${id},${Math.round(busy * 1e6)},${tag}`;
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

/** The `done` message a compact one stands for, or undefined when `s` is not one (a protocol error). */
export function readSoloDone(s: string): DoneMessage | undefined {
  const a = s.indexOf(",");
  const b = s.indexOf(",", a + 1);
  const value = b < 0 ? UNKNOWN : untag(s, b + 1);
  if (value === UNKNOWN) return undefined;
  return { t: "done", r: [Number(s.slice(0, a)), STATUS_OK, value], times: null, busy: Number(s.slice(a + 1, b)) / 1e6 };
}
