/**
 * "How many snakes do you need?", "Multiple threads": several threads run the same function, each
 * with its own random prefix; their prints interleave. The main program says
 * "Done" at once: starting a thread does not block. The program then stays
 * alive until the (non-daemon) threads are finished.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/threads-printing.js [threads=3] [delayMs=1000]
 *
 * Python:
 *
 *     ta = Thread(target=worker, name='ta'); tb = ...; tc = ...
 *     ta.start(); tb.start(); tc.start()
 *     print('\nDone')
 *
 * @module
 */
import { Thread, tasks } from "juggle-core";

const kitchen = tasks<typeof import("./kitchen-tasks.js")>(new URL("./kitchen-tasks.js", import.meta.url));
const count = Number(process.argv[2] ?? 3);
const delayMs = Number(process.argv[3] ?? 1000);

console.log("Starting");
const names = ["ta", "tb", "tc", "td", "te", "tf", "tg"].slice(0, count);
for (const name of names) {
  new Thread({ target: kitchen.printWithPrefix, args: [delayMs], name }).start();
}
console.log("\nDone");
