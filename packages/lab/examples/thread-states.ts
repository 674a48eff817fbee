/**
 * "How many snakes do you need?", "Thread states": a thread is created (not started), becomes
 * alive when started, and is dead once its target has returned; `join()`
 * waits for that.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/thread-states.js
 *
 * Python:
 *
 *     t1 = Thread(target=simple_worker)
 *     print(t1.is_alive())  # False
 *     t1.start()            # prints hello
 *     print(t1.native_id)
 *
 * @module
 */
import { Thread, tasks } from "juggle-core";

const kitchen = tasks<typeof import("./kitchen-tasks.js")>(new URL("./kitchen-tasks.js", import.meta.url));

const t1 = new Thread({ target: kitchen.simpleWorker, args: ["hello"], name: "t1" });
console.log(`created: name=${t1.name} isAlive=${t1.isAlive} threadId=${t1.threadId} exitCode=${t1.exitCode}`);

t1.start(); // the worker thread prints "hello"
console.log(`started: isAlive=${t1.isAlive} threadId is a number: ${typeof t1.threadId === "number"}`);

await t1.join(); // waiting: this task is blocked until t1 is dead
console.log(`joined: isAlive=${t1.isAlive} exitCode=${t1.exitCode}`);

try {
  t1.start();
} catch (error) {
  console.log(`start() again: ${(error as Error).message}`);
}
