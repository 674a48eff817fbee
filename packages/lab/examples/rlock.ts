/**
 * "Concurrent Programming", "Mutex locks": "Only one lock per thread! (or risk mysterious
 * deadlocks). Or use RLock for code-based locking". Two worker threads each
 * deposit 10,000 pairs into a shared balance; each pair holds the account's
 * lock while its two deposits take it again.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/rlock.js [pairs=10000]
 *     npx juggle example rlock
 *
 * Python:
 *
 *     lock = threading.RLock()
 *
 *     def deposit(amount):
 *         with lock:
 *             account.balance += amount
 *
 *     def deposit_twice(amount):
 *         with lock:            # with a plain Lock, the deposit below waits forever
 *             deposit(amount)
 *             deposit(amount)
 *
 * Output:
 *
 *     With a plain Lock: deadlock: Cannot run under lock as acquiring it timed out after 100 ms
 *     With an RLock: balance 40000 (expected 40000)
 *
 * The lock and the balance live in shared memory (`juggle/shared-memory`) and
 * are passed to the threads as ordinary task arguments: the threads get the
 * same memory, not copies. `RLock` records its owner thread, so the owner may
 * acquire it again (and must release it as many times).
 *
 * @module
 */
import { tasks, ThreadPool } from "juggle-core";
import { Lock, RLock, Value } from "juggle-core/shared-memory";

const t = tasks<typeof import("./tasks/account.js")>(new URL("./tasks/account.js", import.meta.url));
const pairs = Number(process.argv[2] ?? 10_000);

{
  await using pool = new ThreadPool({ workers: 2 });

  // A worker nests a plain Lock: the inner acquire waits for the worker itself.
  console.log(`With a plain Lock: ${await pool.submit(t.nestWithPlainLock, new Lock(), 100)}`);

  const lock = new RLock();
  const balance = new Value("int32", 0);
  await Promise.all([pool.submit(t.depositPairs, lock, balance, pairs), pool.submit(t.depositPairs, lock, balance, pairs)]);
  console.log(`With an RLock: balance ${balance.value} (expected ${4 * pairs})`);
}
