/**
 * "Non-sequential Python", "Green threads" (gevent): bob (0.3 s) and alice (0.1 s) are
 * spawned as cooperative tasks on one thread; the main program joins both and
 * prints their values.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/bob-and-alice-green.js
 *     npx juggle example bob-and-alice-green
 *
 * Python:
 *
 *     from gevent import monkey; monkey.patch_all()
 *
 *     def f(name, timeout):
 *         time.sleep(timeout)
 *         print('hello', name)
 *         return name + ' done!'
 *
 *     bob = gevent.spawn(f, 'bob', 0.3)
 *     alice = gevent.spawn(f, 'alice', 0.1)
 *     bob.join()
 *     alice.join()
 *     print(bob.value)
 *     print(alice.value)
 *
 * Output:
 *
 *     hello alice
 *     hello bob
 *     bob done!
 *     alice done!
 *
 * Why Node needs no monkey patching. gevent patches `time.sleep`, sockets and
 * friends so that a call which would block the thread instead hands control
 * to gevent's event loop, which runs another greenlet meanwhile. In Node every
 * I/O call (timers, sockets, files, DNS, child processes) is already
 * non-blocking: it registers a callback with libuv's event loop and returns
 * at once. A Node function *is* a green thread, and `await` marks exactly
 * where it yields — explicitly, so nothing is patched behind your back.
 *
 * The second half shows what gevent prints *without* `monkey.patch_all()`: a
 * sleep that blocks the thread (here `Atomics.wait`, Node's only truly
 * blocking sleep) stops every other task, so bob, spawned first, says hello
 * first, 0.3 s later.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";

/** A cooperative `f`: the sleep yields to the event loop. */
async function f(name: string, timeout: number): Promise<string> {
  await sleep(timeout);
  console.log("hello", name);
  return `${name} done!`;
}

/** An "unpatched" `f`: the sleep blocks the whole thread, as `time.sleep` does without gevent's patch. */
async function fBlocking(name: string, timeout: number): Promise<string> {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, timeout);
  console.log("hello", name);
  return `${name} done!`;
}

console.log("-- cooperative (gevent with monkey.patch_all()) --");
{
  // Calling an async function starts it at once, like gevent.spawn + start.
  const bob = f("bob", 300);
  const alice = f("alice", 100);
  // join(): wait for both; value: the result
  const [bobValue, aliceValue] = await Promise.all([bob, alice]);
  console.log(bobValue);
  console.log(aliceValue);
}

console.log("-- blocking (gevent without monkey.patch_all()) --");
{
  const bob = fBlocking("bob", 300);
  const alice = fBlocking("alice", 100);
  const [bobValue, aliceValue] = await Promise.all([bob, alice]);
  console.log(bobValue);
  console.log(aliceValue);
}
