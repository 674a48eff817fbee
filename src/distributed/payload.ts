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

/** Decodes the output of {@link encode}. */
export function decode(text: string): unknown {
  return deserialize(Buffer.from(text, "base64"));
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
  let text: string;
  try {
    text = encode(argLists);
  } catch (cause) {
    throw cloneError(action, argLists, firstIndex, cause);
  }
  if (text.length > maxBytes) {
    const where = argLists.length === 1 ? `task ${firstIndex}` : `tasks ${firstIndex}..${firstIndex + argLists.length - 1}`;
    throw new RangeError(
      `Cannot ${action} as the arguments of ${where} must encode to at most ${maxBytes} bytes (option 'maxPayloadBytes'): received ${text.length} bytes`,
    );
  }
  return text;
}

/**
 * Encodes a job's results, with a clear error when a result cannot be cloned
 * or is over `maxBytes` (the worker reports it as the task's error).
 */
export function encodeResults(result: { r: readonly unknown[] }, maxBytes: number): string {
  let text: string;
  try {
    text = encode(result);
  } catch (cause) {
    const index = result.r.findIndex((r) => !cloneable(r));
    throw new TypeError(
      `Cannot send the task's result back from the worker as it cannot be cloned (no functions, symbols or class handles): result of item ${index} ${(cause as Error).message}`,
    );
  }
  if (text.length > maxBytes) {
    throw new RangeError(
      `Cannot return result as results must encode to at most ${maxBytes} bytes (option 'maxPayloadBytes'): received ${text.length} bytes`,
    );
  }
  return text;
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
