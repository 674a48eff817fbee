/**
 * How `SharedQueue` writes a message into a slot and reads it back.
 *
 * Numbers are stored as a float64, strings as UTF-8, `Uint8Array`s as their
 * bytes, and anything else with `v8.serialize` (the structured clone
 * format). A message that does not fit its slot is refused before a slot is
 * taken, with its size in the error.
 *
 * @internal
 * @module
 */
import { deserialize, serialize } from "node:v8";

export const NUMBER = 1;
export const STRING = 2;
export const BYTES = 3;
export const CLONE = 4;

/** A message measured and ready to be written. */
export interface Encoded {
  kind: number;
  size: number;
  /** The v8-serialized bytes for `CLONE`. */
  bytes: Uint8Array | undefined;
}

/** Works out a message's kind and size; throws when it is larger than `max` bytes. */
export function measure(message: unknown, max: number, out: Encoded): Encoded {
  out.bytes = undefined;
  if (typeof message === "number") {
    out.kind = NUMBER;
    out.size = 8;
  } else if (typeof message === "string") {
    out.kind = STRING;
    out.size = message.length * 3 <= max ? message.length : Buffer.byteLength(message);
  } else if (message instanceof Uint8Array) {
    out.kind = BYTES;
    out.size = message.byteLength;
  } else {
    const bytes = serialize(message);
    out.kind = CLONE;
    out.size = bytes.byteLength;
    out.bytes = bytes;
  }
  if (out.size > max) {
    throw new RangeError(
      `Cannot put message in SharedQueue as it is ${out.size} bytes and 'messageSize' is ${max}: create the queue with a larger messageSize`,
    );
  }
  return out;
}

/** Writes a measured message at byte `at` of `buf`; returns the byte length written. */
export function write(buf: Buffer, f64: Float64Array, at: number, message: unknown, e: Encoded): number {
  switch (e.kind) {
    case NUMBER:
      f64[at >> 3] = message as number;
      return 8;
    case STRING:
      return buf.write(message as string, at, "utf8");
    case BYTES:
      buf.set(message as Uint8Array, at);
      return (message as Uint8Array).byteLength;
    default:
      buf.set(e.bytes as Uint8Array, at);
      return (e.bytes as Uint8Array).byteLength;
  }
}

/** Reads the message of `kind` and `size` bytes at byte `at` (copying it out of shared memory). */
export function read(buf: Buffer, f64: Float64Array, at: number, kind: number, size: number): unknown {
  switch (kind) {
    case NUMBER:
      return f64[at >> 3];
    case STRING:
      return buf.toString("utf8", at, at + size);
    case BYTES:
      return new Uint8Array(buf.subarray(at, at + size));
    default:
      return deserialize(buf.subarray(at, at + size));
  }
}
