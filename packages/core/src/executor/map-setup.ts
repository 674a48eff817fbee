/**
 * The checks and choices a map stream makes once, before it pulls anything:
 * its options, how its source is read (an array, a sync iterator, or an
 * async iterator through a {@link SourcePuller}), its chunk size, and how
 * far ahead of the consumer it may go.
 *
 * @internal
 * @module
 */
import { SourcePuller } from "../internal/source-puller.js";
import { checkInteger, checkMilliseconds, checkOptions, checkSignal, describe } from "../internal/validate.js";
import { AutoChunker, checkChunksize, defaultChunksize } from "./chunksize.js";
import type { MapOptions } from "./executor.js";
import { checkSendable } from "./sendable.js";

/** @internal */
export type MapSource = Iterable<unknown> | AsyncIterable<unknown>;

/** @internal How a map stream reads its source and cuts it into chunks. */
export interface MapSetup {
  /** The items, when known up front (an array, or an iterable `map` reads whole). */
  array: readonly unknown[] | undefined;
  /** A sync source's iterator, read lazily. */
  iterator: Iterator<unknown> | undefined;
  /** An async source, read lazily. */
  puller: SourcePuller<unknown> | undefined;
  /** The fixed chunk size, or 0 with `auto`. */
  fixed: number;
  auto: AutoChunker | undefined;
  signal: AbortSignal | undefined;
  timeout: number;
  /** Most chunks outstanding. */
  window: number;
  /** Most items pulled ahead of the consumer. */
  buffersize: number;
}

/**
 * Checks a map call's options and source and decides how to read it.
 *
 * @throws {TypeError} When `items` is not iterable, an item cannot be sent, or an option has the wrong type.
 * @throws {RangeError} When `chunksize`, `timeout` or `buffersize` is out of range.
 * @internal
 */
export function setUpMap(
  action: string,
  items: MapSource,
  options: MapOptions | undefined,
  star: boolean,
  collect: boolean,
  workers: number,
): MapSetup {
  const o = checkOptions<MapOptions>(action, options);
  const chunksize = checkChunksize(action, o.chunksize);
  const signal = checkSignal(action, o.signal);
  const ms = o.timeout === undefined ? 0 : checkMilliseconds(action, "timeout", o.timeout, { positive: true, allowInfinity: true });
  const timeout = ms === Number.POSITIVE_INFINITY ? 0 : ms; // Infinity: no limit
  const buffersize =
    o.buffersize === undefined ? Number.POSITIVE_INFINITY : checkInteger(action, "buffersize", o.buffersize, { min: 1 });
  if (items === null || typeof items !== "object") {
    throw new TypeError(`Cannot ${action} as 'items' must be iterable: received ${describe(items)}`);
  }
  let array: readonly unknown[] | undefined;
  let iterator: Iterator<unknown> | undefined;
  let puller: SourcePuller<unknown> | undefined;
  if (Array.isArray(items)) {
    array = items;
  } else if (typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    puller = new SourcePuller((items as AsyncIterable<unknown>)[Symbol.asyncIterator]());
  } else if (typeof (items as Iterable<unknown>)[Symbol.iterator] === "function") {
    // map() needs every result anyway: like Python, take the whole list (its length gives the chunk size),
    // unless a buffersize asks for lazy pulling (the source may be endless).
    if (collect && o.buffersize === undefined) array = Array.from(items as Iterable<unknown>);
    else iterator = (items as Iterable<unknown>)[Symbol.iterator]();
  } else {
    throw new TypeError(`Cannot ${action} as 'items' must be iterable: received ${describe(items)}`);
  }
  if (array !== undefined) {
    // Check every item before queueing anything.
    if (star) checkStar(action, array, 0);
    else checkSendable(action, "items", array);
  }
  let fixed = 0;
  let auto: AutoChunker | undefined;
  if (typeof chunksize === "number") fixed = chunksize;
  else if (chunksize === undefined && array !== undefined) fixed = defaultChunksize(array.length, workers);
  else auto = new AutoChunker();
  // map() over a sync source with a fixed chunk size submits every chunk at once, as Python does.
  const window = collect && fixed > 0 && puller === undefined ? Number.POSITIVE_INFINITY : workers * 2 + 1;
  return { array, iterator, puller, fixed, auto, signal, timeout, window, buffersize };
}

/** Checks that every item of a `starmap` chunk is an argument list that can be sent. @internal */
export function checkStar(action: string, items: readonly unknown[], offset: number): void {
  for (let i = 0; i < items.length; i++) {
    const args = items[i];
    if (!Array.isArray(args)) {
      throw new TypeError(
        `Cannot ${action} as items[${offset + i}] must be an array of arguments: received ${describe(args)}`,
      );
    }
    checkSendable(action, `items[${offset + i}]`, args);
  }
}
