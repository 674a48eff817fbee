/**
 * "Non-sequential Python", "Call-back hell": the same bob and alice, but each reports its
 * result through a callback instead of returning it.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/bob-and-alice-callbacks.js
 *
 * Python:
 *
 *     async def f(name, timeout, on_result):
 *         await asyncio.sleep(timeout)
 *         print('hello', name)
 *         on_result(name + ' done!')
 *
 *     def on_result(msg):
 *         print(msg)
 *
 *     async def main():
 *         bob = asyncio.create_task(f('bob', 0.3, on_result))
 *         alice = asyncio.create_task(f('alice', 0.1, on_result))
 *         await bob
 *         await alice
 *
 * Output: each callback fires as soon as its task wakes, so the lines come in
 * wake-up order. (The article prints the previous example's output under this
 * listing; running it, in Python or here, gives this.)
 *
 *     hello alice
 *     alice done!
 *     hello bob
 *     bob done!
 *
 * @module
 */
import { sleep, TaskGroup } from "juggle-core";

async function f(name: string, timeout: number, onResult: (msg: string) => void, signal: AbortSignal): Promise<void> {
  await sleep(timeout, { signal });
  console.log("hello", name);
  onResult(`${name} done!`);
}

function onResult(msg: string): void {
  console.log(msg);
}

async function main(): Promise<void> {
  await using group = new TaskGroup();
  const bob = group.spawn((signal) => f("bob", 300, onResult, signal)); // start the coroutine
  const alice = group.spawn((signal) => f("alice", 100, onResult, signal)); // start the coroutine

  // wait for coroutines to complete
  await bob;
  await alice;
}

await main();
