/**
 * "Non-sequential Python", "Multi-processing": bob (0.3 s) and alice (0.1 s) run in two
 * child processes and send their results back through a queue; the main
 * program joins both, then prints what the queue holds.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/bob-and-alice-processes.js
 *     npx juggle example bob-and-alice-processes
 *
 * Python:
 *
 *     queue = mp.SimpleQueue()
 *     bob = mp.Process(target=f, args=('bob', 0.3, queue))
 *     bob.start()
 *     alice = mp.Process(target=f, args=('alice', 0.1, queue))
 *     alice.start()
 *     bob.join()
 *     alice.join()
 *     for result in iter(queue.get, None):
 *         print(result)
 *
 * Output (the processes print in the order they wake; the results come out
 * of the queue in the order they were put):
 *
 *     hello alice
 *     hello bob
 *     alice done!
 *     bob done!
 *
 * Processes share no memory, in Node as in Python: the queue lives in a
 * `Manager` (a server in this process), and the children reach it over a Unix
 * socket. The queue proxy travels as an ordinary `Process` argument.
 *
 * @module
 */
import { Process, tasks } from "juggle-core";
import { Manager } from "juggle-core/shared-memory";

const t = tasks<typeof import("./tasks/bob-and-alice.js")>(new URL("./tasks/bob-and-alice.js", import.meta.url));

await using manager = await Manager.start();
const queue = manager.queue<string>(); // queue for communicating with the processes we will spawn

const bob = new Process({ target: t.fProcess, args: ["bob", 300, queue] });
bob.start(); // start the process
const alice = new Process({ target: t.fProcess, args: ["alice", 100, queue] });
alice.start(); // start the process

// wait for processes to complete
await bob.join();
await alice.join();

// print results from the intercommunication object. Python's
// `iter(queue.get, None)` waits for a None nobody sends; closing the queue
// is the poison pill done once: iteration drains what is left, then ends.
await queue.close();
for await (const result of queue) console.log(result);
