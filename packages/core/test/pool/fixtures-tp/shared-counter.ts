/**
 * A minimal shareable object for the Thread and Process tests: a counter in a
 * SharedArrayBuffer that arrives in a worker as a working SharedCounter.
 */
import { registerReviver, type SharedDescriptor, shareable } from "../../../src/internal/shareable.js";

const KEY = "juggle/test:SharedCounter";

export class SharedCounter {
  readonly cells: Int32Array;
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.cells = new Int32Array(buffer);
  }
  add(n: number): number {
    return Atomics.add(this.cells, 0, n) + n;
  }
  get value(): number {
    return Atomics.load(this.cells, 0);
  }
  [shareable](): SharedDescriptor {
    return { $shared: KEY, module: import.meta.url, state: this.cells.buffer };
  }
}

registerReviver(KEY, (state) => new SharedCounter(state as SharedArrayBuffer));
