/**
 * "How many snakes do you need?", "Establishing dependency": Barron (the main program) asks Olivia
 * (a thread) for help, goes on cooking, then waits for her with `join()`.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/two-chefs.js [oliviaMs=3000] [barronMs=500]
 *
 * Python:
 *
 *     olivia = ChefOlivia()
 *     olivia.start()
 *     time.sleep(0.5)
 *     olivia.join()
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Thread, tasks } from "juggle-core";

const kitchen = tasks<typeof import("./kitchen-tasks.js")>(new URL("./kitchen-tasks.js", import.meta.url));
const oliviaMs = Number(process.argv[2] ?? 3000);
const barronMs = Number(process.argv[3] ?? 500);

console.log("Barron started & requesting Olivia's help.");
const olivia = new Thread({ target: kitchen.chefOlivia, args: [oliviaMs], name: "Olivia" });
console.log("  Olivia alive?:", olivia.isAlive);

console.log("Barron tells Olivia to start.");
olivia.start();
console.log("  Olivia alive?:", olivia.isAlive);

console.log("Barron continues cooking soup.");
await sleep(barronMs);
console.log("  Olivia alive?:", olivia.isAlive);

console.log("Barron patiently waits for Olivia to finish and join...");
await olivia.join();
console.log("  Olivia alive?:", olivia.isAlive);

console.log("Barron and Olivia are both done!");
