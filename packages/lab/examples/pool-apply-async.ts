/**
 * "How many snakes do you need?", "Pool.apply_async() pattern": start a task and go on; collect its
 * result with a callback, or wait for it with `get(timeout)`.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/pool-apply-async.js
 *     npx juggle example pool-apply-async
 *
 * Python:
 *
 *     def collect_results(result):
 *         print('In collect results: ', result)
 *
 *     with Pool(processes=2) as pool:
 *         pool.apply_async(worker, [3], callback=collect_results)
 *         res = pool.apply_async(worker, [2])
 *         print('Blocking result: ' + str(res.get(timeout=5)))
 *
 * Output:
 *
 *     In worker with:  3          (these two lines in either order)
 *     In worker with:  2
 *     In collect results:  9      (or after the next line)
 *     Blocking result: 4
 *     Timed out after 50 ms; the task goes on: ready() = false
 *     Late result: 25
 *
 * `get(timeout)` does not block the program (it returns a promise) and, as
 * in Python, a timeout does not cancel the task: it only stops waiting.
 *
 * @module
 */
import { ProcessPool, TimeoutError, tasks } from "juggle-core";

const t = tasks<typeof import("./tasks/squares.js")>(new URL("./tasks/squares.js", import.meta.url));

function collectResults(result: number): void {
  console.log("In collect results: ", result);
}

{
  await using pool = new ProcessPool({ workers: 2 });

  // callback workflow: the callback runs on this thread when the result arrives
  const viaCallback = pool.applyAsync(t.worker, [3], { callback: collectResults });

  // "blocking" workflow: wait for the result, at most 5 s
  const res = pool.applyAsync(t.worker, [2]);
  console.log(`Blocking result: ${await res.get(5_000)}`);

  await viaCallback.wait(); // the callback has run once wait() resolves

  // a get() that gives up: the task sleeps 1 s, we wait 50 ms
  const slow = pool.applyAsync(t.slowWorker, [5, 1_000]);
  try {
    await slow.get(50);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    console.log(`Timed out after 50 ms; the task goes on: ready() = ${slow.ready()}`);
  }
  console.log(`Late result: ${await slow.get()}`);
}
