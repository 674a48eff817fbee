/**
 * "Non-sequential Python", "Multi-threading": bob (0.3 s) and alice (0.1 s) run in two
 * worker threads and send their results back through a thread-safe queue;
 * the main program joins both, then prints what the queue holds.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/bob-and-alice-threads.js
 *     npx juggle example bob-and-alice-threads
 *
 * Python:
 *
 *     q = queue.Queue()  # thread-safe queue
 *     bob = threading.Thread(target=f, args=('bob', 0.3, q))
 *     bob.start()
 *     alice = threading.Thread(target=f, args=('alice', 0.1, q))
 *     alice.start()
 *     bob.join()
 *     alice.join()
 *     for result in iter(q.get, None):
 *         print(result)
 *
 * Output:
 *
 *     hello alice
 *     hello bob
 *     alice done!
 *     bob done!
 *
 * A juggle `Thread` is a worker thread with its own JavaScript engine: no GIL,
 * its code runs in parallel with the main thread's. Threads share memory only
 * through SharedArrayBuffers, so the thread-safe queue is a `SharedQueue`,
 * which lives in one and is *shared* with the threads (not copied).
 *
 * @module
 */
import { Thread, tasks } from "juggle-core";
import { SharedQueue } from "juggle-core/shared-memory";

const t = tasks<typeof import("./tasks/bob-and-alice.js")>(new URL("./tasks/bob-and-alice.js", import.meta.url));

const q = new SharedQueue<string>({ capacity: 16, messageSize: 64 }); // thread-safe queue

const bob = new Thread({ target: t.fThread, args: ["bob", 300, q] });
bob.start(); // start the thread
const alice = new Thread({ target: t.fThread, args: ["alice", 100, q] });
alice.start(); // start the thread

// wait for threads to complete
await bob.join();
await alice.join();

// print results from the intercommunication object: close() is the poison
// pill for every consumer; iteration drains what is left, then ends.
q.close();
for await (const result of q) console.log(result);
