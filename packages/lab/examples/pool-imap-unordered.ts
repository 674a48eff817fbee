/**
 * "How many snakes do you need?", "Pool.imap_unordered() pattern": the same six tasks, results
 * printed as soon as each is ready, in completion order.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/pool-imap-unordered.js [processes=4]
 *     npx juggle example pool-imap-unordered
 *
 * Python:
 *
 *     with Pool(processes=4) as pool:
 *         for res in pool.imap_unordered(worker, [0,1,2,3,4,5]):
 *             print(res)
 *
 * Output (both kinds of lines in any order):
 *
 *     In worker with:  0
 *     In worker with:  1
 *     ...
 *     0
 *     9
 *     1
 *     ...
 *
 * `imapUnordered` is an async iterator: `for await` pulls results as they
 * arrive; leaving the loop early cancels what is left.
 *
 * @module
 */
import { ProcessPool, tasks } from "juggle-core";

const t = tasks<typeof import("./tasks/squares.js")>(new URL("./tasks/squares.js", import.meta.url));
const processes = Number(process.argv[2] ?? 4);

{
  await using pool = new ProcessPool({ workers: processes });
  for await (const res of pool.imapUnordered(t.worker, [0, 1, 2, 3, 4, 5], { chunksize: 1 })) {
    console.log(res);
  }
}
