/**
 * The delay server's `GET /log` answer as a stream of JSON text chunks, so
 * a large log is never held twice in memory and a client that does not read
 * stops its production (the stream is pulled by `pipe`).
 *
 * @module
 */
import type { DelayLog, DelayLogEntry } from "./delay-server.js";

/** A chunk ends once it holds this many characters (one entry more at most). */
const CHUNK_CHARS = 16 * 1024;

/**
 * Yields `{"primes":…,…,"entries":[…]}` in chunks. Entries are read from
 * `entries` as it is when each chunk is produced, up to its length at the
 * start (a log that grows meanwhile is not chased).
 *
 * @param entries The log (the server's own array: not copied).
 * @param head The other fields of {@link DelayLog}.
 * @param produced Called with each chunk's size in bytes.
 */
export function* logChunks(entries: readonly DelayLogEntry[], head: Omit<DelayLog, "entries">, produced: (bytes: number) => void): Generator<string> {
  const total = entries.length;
  const emit = (text: string): string => {
    produced(Buffer.byteLength(text));
    return text;
  };
  yield emit(`${JSON.stringify(head).slice(0, -1)},"entries":[`);
  let chunk = "";
  for (let at = 0; at < total; at++) {
    chunk += (at === 0 ? "" : ",") + JSON.stringify(entries[at]);
    if (chunk.length >= CHUNK_CHARS) {
      yield emit(chunk);
      chunk = "";
    }
  }
  if (chunk !== "") yield emit(chunk);
  yield emit("]}");
}
