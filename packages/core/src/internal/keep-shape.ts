/**
 * Keeps the hidden class of a short-lived hot object alive.
 *
 * V8 gives an object built by a constructor the hidden class ("map") reached
 * by adding its fields one by one, and holds those steps only weakly. When a
 * full garbage collection finds no live instance of a class (a pool between
 * two tasks holds no `Job`), it drops the class's map and throws away all
 * optimized code that was specialised on it: `submit`, the dispatch, the
 * result path. The next thousands of calls run in slower code while V8
 * optimizes them again, and that happens after every full collection that
 * falls between tasks, which in a quiet service is most of them.
 *
 * One instance kept here for good keeps the map, and the code, alive. Kept:
 * a pool's `Job` and `Outbox` (one per task, one per dispatch) and `map`'s
 * run (one per call, with its window; ended at once, so it keeps no async
 * context alive). Measured on Node 26 with a forced full GC before each
 * run: `--trace-deopt` shows 10 to 16 of the pool's functions marked for deoptimization ("embedded weak
 * objects cleared") at every such GC without it, none with it; the round
 * trip went from 1.30–1.33x to 0.98–1.22x a bare ping-pong (bench/pool.ts,
 * section 2), `map().toArray()` of 200,000 no-op tasks from 1.37–1.49x to
 * 1.08x a bare loop (bench/async.ts, section 1b). Objects a user holds
 * (a Semaphore, a Queue) live as long as the user keeps them.
 *
 * @internal
 * @module
 */

const kept: object[] = [];

/** Keeps `instance` alive for as long as the process runs, so its class's map survives full collections. */
export function keepShape(instance: object): void {
  kept.push(instance);
}
