/**
 * The payload contract of the distributed executor: what may travel to a
 * remote worker and back.
 *
 * BullMQ stores job data and return values as JSON, where `undefined`, `Map`,
 * `Set`, `BigInt`, `Date` and typed arrays do not survive. The local pools
 * copy arguments and results with the structured clone algorithm, so juggle
 * encodes every distributed payload with `v8.serialize` (the same algorithm)
 * and carries it as base64 text: a task sees the same values whichever
 * executor runs it. What structured clone refuses (functions, symbols,
 * sockets…) is refused here too, before anything is queued, with an error
 * naming the argument's position.
 *
 * Most tasks take and return plain scalars, for which `v8.serialize` and
 * base64 cost more than the rest of a tiny job's JavaScript: argument lists
 * and results made only of strings, booleans, `null`, `undefined` and finite
 * numbers (not `-0`) travel as JSON text instead, which keeps every one of
 * those values exactly (`"~"` marks a text in which each `null` stands for
 * `undefined`, when the payload has no `null` of its own). Base64 text never
 * starts with `[` or `~`, so the decoder tells the two apart by the first
 * character.
 *
 * @module
 */
import { deserialize, serialize } from "node:v8";

/**
 * Default largest encoded payload, in bytes of base64 text: 1 MiB. Arguments
 * of one job (a chunk) and its results are each checked against it. Redis
 * keeps each payload in the job and in the events stream (about 10,000
 * entries), so large payloads belong in a store of their own, passed by
 * reference.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Encodes a value with the structured clone algorithm, as base64 text. */
export function encode(value: unknown): string {
  return serialize(value).toString("base64");
}

/** Decodes the output of {@link encode}, {@link encodeArguments} and {@link encodeResults}. */
export function decode(text: string): unknown {
  const first = text.charCodeAt(0);
  if (first === JSON_START) return JSON.parse(text);
  if (first === UNDEFINED_MARK) return restoreUndefined(JSON.parse(text.slice(1)));
  return deserialize(Buffer.from(text, "base64"));
}

const JSON_START = 0x5b; // "["
const UNDEFINED_MARK = 0x7e; // "~"
const HAS_NULL = 1;
const HAS_UNDEFINED = 2;
const NOT_SCALAR = 4;

/** What the values of `list` are, as HAS_* / NOT_SCALAR bits. */
function scan(list: readonly unknown[], flags: number): number {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (v === null) flags |= HAS_NULL;
    else if (v === undefined) flags |= i in list ? HAS_UNDEFINED : NOT_SCALAR;
    else if (typeof v === "number") {
      if (!Number.isFinite(v) || Object.is(v, -0)) return NOT_SCALAR;
    } else if (typeof v !== "string" && typeof v !== "boolean") return NOT_SCALAR;
  }
  return flags;
}

/**
 * `value` (built by juggle: lists of argument lists, or a result record whose
 * scalars are in `lists`) as JSON text, when every value of `lists` is a scalar
 * JSON keeps exactly; undefined otherwise.
 */
function scalarText(value: unknown, lists: readonly (readonly unknown[])[]): string | undefined {
  let flags = 0;
  for (const list of lists) {
    flags = scan(list, flags);
    if (flags & NOT_SCALAR) return undefined;
  }
  if (flags === (HAS_NULL | HAS_UNDEFINED)) return undefined;
  const text = JSON.stringify(value);
  return flags & HAS_UNDEFINED ? `~${text}` : text;
}

/** Turns every `null` in nested arrays back into `undefined` (the `~` form). */
function restoreUndefined(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (v === null) value[i] = undefined;
      else if (Array.isArray(v)) restoreUndefined(v);
    }
  }
  return value;
}

/**
 * Encodes a job's argument lists (one list per item of a chunk), refusing
 * what structured clone refuses and payloads over `maxBytes`.
 *
 * @param action What was being done, for the error message.
 * @param argLists One argument list per task of the job.
 * @param firstIndex Index of the job's first item within the call (for messages).
 * @throws {TypeError} When an argument cannot be cloned (a function, a symbol…), naming its position.
 * @throws {RangeError} When the encoded payload is larger than `maxBytes`.
 */
export function encodeArguments(
  action: string,
  argLists: readonly (readonly unknown[])[],
  maxBytes: number,
  firstIndex = 0,
): string {
  let text = scalarText(argLists, argLists);
  if (text === undefined) {
    try {
      text = encode(argLists);
    } catch (cause) {
      throw cloneError(action, argLists, firstIndex, cause);
    }
  }
  if (text.length > maxBytes) {
    const where = argLists.length === 1 ? `task ${firstIndex}` : `tasks ${firstIndex}..${firstIndex + argLists.length - 1}`;
    throw new RangeError(
      `Cannot ${action} as the arguments of ${where} must encode to at most ${maxBytes} bytes (option 'maxPayloadBytes'): received ${text.length} bytes`,
    );
  }
  return text;
}

/** A job's results as the worker sends them: one per item, the worker's name, start and end times. */
export interface ResultRecord {
  r: unknown[];
  w: string;
  s: number;
  e: number;
}

/**
 * Encodes a job's results, with a clear error when a result cannot be cloned
 * or is over `maxBytes` (the worker reports it as the task's error). Scalar
 * results travel as the JSON array `[r, w, s, e]`.
 */
export function encodeResults(result: ResultRecord, maxBytes: number): string {
  let text = scalarText([result.r, result.w, result.s, result.e], [result.r]);
  if (text === undefined) {
    try {
      text = encode(result);
    } catch (cause) {
      const index = result.r.findIndex((r) => !cloneable(r));
      throw new TypeError(
        `Cannot send the task's result back from the worker as it cannot be cloned (no functions, symbols or class handles): result of item ${index} ${(cause as Error).message}`,
      );
    }
  }
  if (text.length > maxBytes) {
    throw new RangeError(
      `Cannot return result as results must encode to at most ${maxBytes} bytes (option 'maxPayloadBytes'): received ${text.length} bytes`,
    );
  }
  return text;
}

/** Decodes the output of {@link encodeResults}. */
export function decodeResults(text: string): ResultRecord {
  const value = decode(text);
  if (!Array.isArray(value)) return value as ResultRecord;
  return { r: value[0] as unknown[], w: value[1] as string, s: value[2] as number, e: value[3] as number };
}

function cloneable(value: unknown): boolean {
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}

function cloneError(action: string, argLists: readonly (readonly unknown[])[], firstIndex: number, cause: unknown): TypeError {
  for (let i = 0; i < argLists.length; i++) {
    const args = argLists[i] ?? [];
    for (let j = 0; j < args.length; j++) {
      if (!cloneable(args[j])) {
        const item = argLists.length > 1 || firstIndex > 0 ? ` of item ${firstIndex + i}` : "";
        return new TypeError(
          `Cannot ${action} as its arguments cannot be cloned (no functions, symbols or class handles): argument ${j}${item}: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
  }
  return new TypeError(`Cannot ${action} as its arguments cannot be cloned: ${(cause as Error).message}`, { cause });
}
