/**
 * "Non-sequential Python", "Asyncio": two coroutines, bob (0.3 s) and alice (0.1 s), started
 * together; the main coroutine waits for bob, then alice.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/bob-and-alice-async.js
 *
 * Python:
 *
 *     async def f(name, timeout):
 *         await asyncio.sleep(timeout)
 *         print('hello', name)
 *         return name + ' done!'
 *
 *     async def main():
 *         bob = asyncio.create_task(f('bob', 0.3))
 *         alice = asyncio.create_task(f('alice', 0.1))
 *         print(await bob)
 *         print(await alice)
 *
 *     asyncio.run(main())
 *
 * Output (alice wakes first; bob's result is awaited first):
 *
 *     hello alice
 *     hello bob
 *     bob done!
 *     alice done!
 *
 * @module
 */
import { sleep, TaskGroup } from "juggle-core";

async function f(name: string, timeout: number, signal: AbortSignal): Promise<string> {
  await sleep(timeout, { signal });
  console.log("hello", name);
  return `${name} done!`;
}

async function main(): Promise<void> {
  // The group owns both tasks: leaving the block waits for them, and if one
  // failed the other would be cancelled through its signal.
  await using group = new TaskGroup();
  const bob = group.spawn((signal) => f("bob", 300, signal)); // start the coroutine
  const alice = group.spawn((signal) => f("alice", 100, signal)); // start the coroutine

  // wait for coroutines to complete
  console.log(await bob);
  console.log(await alice);
}

await main();
