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
 * One instance kept here for good keeps the map, and the code, alive.
 * Measured on Node 26 (bench/pool.ts, section 2, each round after a forced
 * full GC): `--trace-deopt` shows 10 to 16 functions marked for
 * deoptimization ("embedded weak objects cleared") at every full GC without
 * it, none with it.
 *
 * @internal
 * @module
 */

const kept: object[] = [];

/** Keeps `instance` alive for as long as the process runs, so its class's map survives full collections. */
export function keepShape(instance: object): void {
  kept.push(instance);
}
