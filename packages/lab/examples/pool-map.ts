/**
 * "How many snakes do you need?", "Pool.map() pattern": six tasks on a pool of worker processes;
 * the results come back in input order although the tasks run in parallel.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/pool-map.js [processes=4]
 *     npx juggle example pool-map
 *
 * Python:
 *
 *     def worker(x):
 *         print('In worker with: ', x)
 *         sleep(2)
 *         return x*x
 *
 *     with Pool(processes=4) as pool:
 *         print(pool.map(worker, [0,1,2,3,4,5]))
 *
 * Output (the "In worker" lines in any order; the list always in order):
 *
 *     In worker with:  1
 *     In worker with:  0
 *     ...
 *     [0, 1, 4, 9, 16, 25]
 *
 * `await using` is Python's `with`: the pool is terminated at the end of the
 * block. Swap `ProcessPool` for `ThreadPool` and nothing else changes.
 *
 * @module
 */
import { ProcessPool, tasks } from "juggle-core";

const t = tasks<typeof import("./tasks/squares.js")>(new URL("./tasks/squares.js", import.meta.url));
const processes = Number(process.argv[2] ?? 4);

{
  await using pool = new ProcessPool({ workers: processes });
  // chunksize 1: one item per message, so every worker gets work (Python's
  // default here would be ceil(6 / (4 * 4)) = 1 too).
  const results = await pool.map(t.worker, [0, 1, 2, 3, 4, 5], { chunksize: 1 });
  console.log(`[${results.join(", ")}]`);
}
