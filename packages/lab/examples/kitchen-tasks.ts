/**
 * The task module of the thread and process examples ("How many snakes do you need?"): the
 * functions its threads and processes run. Task modules are ordinary modules;
 * the examples reference their exports with `tasks()`.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";

/** "How many snakes do you need?": `simple_worker`: prints a greeting. */
export function simpleWorker(greet = "hello"): void {
  console.log(greet);
}

/** "How many snakes do you need?": printing worker: picks a random prefix and prints it ten times. */
export async function printWithPrefix(delayMs: number): Promise<string> {
  const mark = ["a", "b", "c", "d", "e", "f", "g"];
  const prefix = mark[Math.floor(Math.random() * mark.length)];
  for (let i = 0; i < 10; i++) {
    process.stdout.write(`${prefix}${i} `);
    await sleep(delayMs);
  }
  return prefix;
}

/** "How many snakes do you need?": `ChefOlivia.run()`: waits for the sausage to thaw, then cuts it. */
export async function chefOlivia(thawMs: number): Promise<void> {
  console.log("Olivia started & waiting for sausage to thaw...");
  await sleep(thawMs);
  console.log("Olivia is done cutting sausage.");
}

/** "How many snakes do you need?": `kitchen_cleaner`: cleans forever. */
export async function kitchenCleaner(everyMs: number): Promise<never> {
  for (;;) {
    console.log("Olivia cleaned the kitchen.");
    await sleep(everyMs);
  }
}

/** Cooks a dish in another process and says which. */
export function cook(dish: string): string {
  return `${dish} cooked by process ${process.pid}`;
}

/** Simmers until stopped. */
export function simmer(): Promise<never> {
  setInterval(() => {}, 1000);
  return new Promise(() => {});
}

/** Burns a dish. */
export function burn(dish: string): never {
  throw new Error(`The ${dish} is burnt`);
}
