/**
 * Run as a program by the output tests: a Thread, then a Process, each
 * printing one line to stdout and one to stderr; prints "joined" after each.
 */
import { Process } from "../../../src/pool/process.js";
import { tasks } from "../../../src/executor/task.js";
import { Thread } from "../../../src/pool/thread.js";

const t = tasks<typeof import("./targets.js")>(new URL("./targets.js", import.meta.url));
const thread = new Thread({ target: t.speak, args: ["thread"] });
thread.start();
await thread.join();
console.log("joined thread");
const child = new Process({ target: t.speak, args: ["process"] });
child.start();
await child.join();
console.log("joined process");
