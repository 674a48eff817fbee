/**
 * The task module of "How many snakes do you need?"'s pool examples: `worker(x)` prints, sleeps and
 * returns `x * x`.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Milliseconds each task sleeps ("How many snakes do you need?" sleeps 2 s; set `SQUARES_DELAY_MS` to change). */
const delayMs = Number(process.env.SQUARES_DELAY_MS ?? 200);

/** How many snakes do you need?'s `worker`: says which item it got, sleeps, returns its square. */
export async function worker(x: number): Promise<number> {
  console.log("In worker with: ", x);
  await sleep(delayMs);
  return x * x;
}

/** A task that takes longer than the caller wants to wait. */
export async function slowWorker(x: number, ms: number): Promise<number> {
  await sleep(ms);
  return x * x;
}
