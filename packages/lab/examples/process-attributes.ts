/**
 * "How many snakes do you need?", "Instantiating a Process": the attributes and methods of a
 * process (`start`, `join([timeout])`, `isAlive`, `name`, `daemon`, `pid`,
 * `exitCode`, `terminate`, `kill`), each shown at work.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/process-attributes.js
 *
 * Python:
 *
 *     p = multiprocessing.Process(target=cook, args=('soup',), name='souschef')
 *     p.start(); p.join(); print(p.exitcode)
 *
 * @module
 */
import { Process, tasks } from "juggle-core";

const kitchen = tasks<typeof import("./kitchen-tasks.js")>(new URL("./kitchen-tasks.js", import.meta.url));

// start() and join(): the target runs in a child process with its own pid.
const p = new Process({ target: kitchen.cook, args: ["soup"], name: "souschef" });
console.log(`before start: name=${p.name} daemon=${p.daemon} pid=${p.pid} exitCode=${p.exitCode} isAlive=${p.isAlive}`);
p.start();
console.log(`after start: pid=${p.pid} isAlive=${p.isAlive}`);
await p.join();
console.log(`after join: exitCode=${p.exitCode} isAlive=${p.isAlive} result=${JSON.stringify(p.result)}`);

// join(timeout) returns when the time is up, without error: check isAlive.
const q = new Process({ target: kitchen.simmer, name: "simmer", daemon: true });
q.start();
await q.join(100);
console.log(`after join(100): isAlive=${q.isAlive} exitCode=${q.exitCode}`);

// terminate() sends SIGTERM: exitCode is -15, as in Python.
q.terminate();
await q.join();
console.log(`after terminate: isAlive=${q.isAlive} exitCode=${q.exitCode} signal=${q.signalCode}`);

// kill() sends SIGKILL: exitCode is -9.
const r = new Process({ target: kitchen.simmer, name: "boil" });
r.start();
r.kill();
await r.join();
console.log(`after kill: exitCode=${r.exitCode} signal=${r.signalCode}`);

// A target that throws: exitCode 1, and the error is kept (Python prints the
// traceback; the excepthook does that here, and can be replaced).
const s = new Process({ target: kitchen.burn, args: ["rice"], excepthook: () => {} });
s.start();
await s.join();
console.log(`after a failure: exitCode=${s.exitCode} error=${s.error?.message}`);
