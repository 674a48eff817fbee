/**
 * High Performance Python, chapter 8, Examples 8-1 and 8-2: an event loop
 * written by hand (a queue of functions and a loop that calls them), then
 * "save a value to the database" on top of it, first with a callback, then
 * with a future and a coroutine, and last with `async`/`await`, which is the
 * same machine built into the language.
 *
 *     npx tsc -p tsconfig.json && node dist/examples/event-loop.js
 *     npx juggle example event-loop
 *
 * Python (Example 8-1):
 *
 *     class EventLoop(Queue):
 *         def start(self):
 *             while True:
 *                 function = self.get()
 *                 function()
 *
 *     def do_hello():
 *         print "Hello"
 *         eventloop.put(do_world)
 *
 *     def do_world():
 *         print "world"
 *         eventloop.put(do_hello)
 *
 *     eventloop = EventLoop()
 *     eventloop.put(do_hello)
 *     eventloop.start()
 *
 * Python (Example 8-2, and its coroutine version):
 *
 *     def save_value(value, callback):
 *         print "Saving {} to database".format(value)
 *         save_result_to_db(value, callback)
 *
 *     def print_response(db_response):
 *         print "Response from database: {}".format(db_response)
 *
 *     eventloop.put(partial(save_value, "Hello World", print_response))
 *
 *     @coroutine
 *     def save_value(value):
 *         print "Saving {} to database".format(value)
 *         db_response = yield save_result_to_db(value)
 *         print "Response from database: {}".format(db_response)
 *
 * Output:
 *
 *     -- Example 8-1: hello world on a hand-written event loop --
 *     Hello
 *     world
 *     Hello
 *     world
 *     Hello
 *     world
 *     -- Example 8-2: callbacks --
 *     Saving Hello World to database
 *     (the loop runs other functions while the database works)
 *     Response from database: saved 'Hello World'
 *     -- futures and a coroutine --
 *     ...the same three lines...
 *     -- async/await on Node's own event loop --
 *     ...the same three lines...
 *
 * The book's loop runs forever; these stop after a few rounds, or when the
 * last callback calls `stop()` (as tornado's examples pass `ioloop.stop`).
 *
 * @module
 */
import { Queue, sleep } from "juggle-core";

/**
 * Example 8-1's event loop: a queue of functions. `start()` takes them one by
 * one and calls them, until `stop()`. juggle's `Queue` does the waiting: when
 * the queue is empty, `get()` waits without blocking the thread, so the
 * timers and sockets of Node's own loop (libuv) can fire and `put()` more work.
 */
class EventLoop {
  readonly #queue = new Queue<() => void>();

  /** Schedules `fn` to run on the loop. */
  put(fn: () => void): void {
    const put = this.#queue.tryPut(fn);
    if (!put.ok) throw new Error("Cannot put a function as the event loop is stopped");
  }

  /** Runs the functions put on the loop, one at a time, until `stop()`; resolves then. */
  async start(): Promise<void> {
    // The iteration ends once the queue is shut down and drained.
    for await (const fn of this.#queue.values()) fn();
  }

  /** Stops the loop once the functions already put have run. */
  stop(): void {
    this.#queue.shutdown();
  }
}

/**
 * The slow database: answers 50 ms later. The waiting happens in Node's I/O
 * layer (a timer here, a socket for a real database); when the answer is
 * there, the completion is put on *our* loop as one more function to call.
 */
function saveResultToDb(loop: EventLoop, value: string, callback: (response: string) => void): void {
  setTimeout(() => loop.put(() => callback(`saved '${value}'`)), 50);
}

/** Something else the loop does while the database works. */
function otherWork(): void {
  console.log("(the loop runs other functions while the database works)");
}

// ---- Example 8-1 --------------------------------------------------------
console.log("-- Example 8-1: hello world on a hand-written event loop --");
{
  const eventloop = new EventLoop();
  let rounds = 0;
  const doHello = (): void => {
    console.log("Hello");
    eventloop.put(doWorld);
  };
  const doWorld = (): void => {
    console.log("world");
    if (++rounds < 3) eventloop.put(doHello);
    else eventloop.stop();
  };
  eventloop.put(doHello);
  await eventloop.start();
}

// ---- Example 8-2: callbacks ----------------------------------------------
console.log("-- Example 8-2: callbacks --");
{
  const eventloop = new EventLoop();
  const printResponse = (dbResponse: string): void => {
    console.log(`Response from database: ${dbResponse}`);
    eventloop.stop();
  };
  const saveValue = (value: string, callback: (response: string) => void): void => {
    console.log(`Saving ${value} to database`);
    saveResultToDb(eventloop, value, callback); // returns at once
  };
  eventloop.put(() => saveValue("Hello World", printResponse)); // functools.partial
  eventloop.put(otherWork);
  await eventloop.start();
}

// ---- futures and a coroutine -----------------------------------------------
console.log("-- futures and a coroutine --");
{
  /** A future: a value that is not there yet, and the callbacks to call when it is. */
  class Future<T> {
    #done = false;
    #value: T | undefined;
    readonly #callbacks: ((value: T) => void)[] = [];

    addDoneCallback(fn: (value: T) => void): void {
      if (this.#done) fn(this.#value as T);
      else this.#callbacks.push(fn);
    }

    setResult(value: T): void {
      this.#done = true;
      this.#value = value;
      for (const fn of this.#callbacks.splice(0)) fn(value);
    }
  }

  const eventloop = new EventLoop();

  /** `save_result_to_db` returning a future instead of taking a callback. */
  const saveResultToDbFuture = (value: string): Future<string> => {
    const future = new Future<string>();
    saveResultToDb(eventloop, value, (response) => future.setResult(response));
    return future;
  };

  /**
   * The `@coroutine` decorator: a generator pauses at each `yield future`;
   * when the future is filled, the loop resumes the generator with its value.
   * This is all an `async` function is.
   */
  const coroutine =
    <A extends unknown[]>(body: (...args: A) => Generator<Future<string>, void, string>) =>
    (...args: A): void => {
      const generator = body(...args);
      const step = (sent: string | undefined): void => {
        const next = generator.next(sent as string);
        if (next.done) return;
        next.value.addDoneCallback((value) => eventloop.put(() => step(value)));
      };
      step(undefined);
    };

  const saveValue = coroutine(function* (value: string) {
    console.log(`Saving ${value} to database`);
    const dbResponse = yield saveResultToDbFuture(value);
    console.log(`Response from database: ${dbResponse}`);
    eventloop.stop();
  });

  eventloop.put(() => saveValue("Hello World"));
  eventloop.put(otherWork);
  await eventloop.start();
}

// ---- async/await ---------------------------------------------------------
console.log("-- async/await on Node's own event loop --");
{
  // A promise is the future, `await` the yield, Node's loop the event loop.
  const saveResultToDbAsync = async (value: string): Promise<string> => {
    await sleep(50);
    return `saved '${value}'`;
  };
  const saveValue = async (value: string): Promise<void> => {
    console.log(`Saving ${value} to database`);
    const dbResponse = await saveResultToDbAsync(value);
    console.log(`Response from database: ${dbResponse}`);
  };
  const saving = saveValue("Hello World");
  otherWork(); // runs while saveValue waits
  await saving;
}
