/**
 * "How many snakes do you need?", "Daemon threads": Olivia cleans the kitchen forever in a daemon
 * thread. A daemon does not keep the program alive: when Barron is done, the
 * program ends and so does she. Without `daemon: true` it would never end.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/kitchen-cleaner.js [cleanEveryMs=1000] [cookMs=600]
 *
 * Python:
 *
 *     olivia = threading.Thread(target=kitchen_cleaner, daemon=True)
 *     olivia.start()
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Thread, tasks } from "juggle-core";

const kitchen = tasks<typeof import("./kitchen-tasks.js")>(new URL("./kitchen-tasks.js", import.meta.url));
const cleanEveryMs = Number(process.argv[2] ?? 1000);
const cookMs = Number(process.argv[3] ?? 600);

const olivia = new Thread({ target: kitchen.kitchenCleaner, args: [cleanEveryMs], name: "Olivia", daemon: true });
olivia.start();

console.log("Barron is cooking...");
await sleep(cookMs);
console.log("Barron is cooking...");
await sleep(cookMs);
console.log("Barron is done!");
console.log(`Olivia still cleaning? ${olivia.isAlive} (a daemon: the program ends anyway)`);
