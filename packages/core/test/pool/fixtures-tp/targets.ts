/** Target tasks for the Thread and Process tests. */
import { connect } from "node:net";
import { isMainThread, threadId } from "node:worker_threads";
import { SharedCounter } from "./shared-counter.js";

export function add(a: number, b: number): number {
  return a + b;
}

export async function addLater(a: number, b: number): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  return a + b;
}

export class KitchenError extends Error {
  readonly code = "E_BURNT";
  readonly dish: string;
  constructor(dish: string) {
    super(`The ${dish} is burnt`);
    this.name = "KitchenError";
    this.dish = dish;
  }
}

export function burn(dish: string): never {
  throw new KitchenError(dish);
}

export async function rejectWithRange(): Promise<never> {
  await Promise.resolve();
  throw new RangeError("out of range");
}

/** Where the target ran. */
export function whereAmI(): { isMainThread: boolean; threadId: number; pid: number } {
  return { isMainThread, threadId, pid: process.pid };
}

export function envValue(name: string): string | undefined {
  return process.env[name];
}

/**
 * Sets cell 1 of `buffer` to 1 (started), then blocks until cell 0 is no
 * longer 0 and returns it.
 */
export function waitShared(buffer: SharedArrayBuffer): number {
  const cells = new Int32Array(buffer);
  Atomics.store(cells, 1, 1);
  Atomics.notify(cells, 1);
  Atomics.wait(cells, 0, 0);
  return Atomics.load(cells, 0);
}

/** Adds `n` to a shared counter; returns whether it arrived as a SharedCounter. */
export function bump(counter: SharedCounter, n: number): { revived: boolean; value: number } {
  return { revived: counter instanceof SharedCounter, value: counter.add(n) };
}

/** Returns a shared counter made in the worker (a shared result). */
export function makeCounter(buffer: SharedArrayBuffer): SharedCounter {
  const counter = new SharedCounter(buffer);
  counter.add(5);
  return counter;
}

/**
 * Connects to 127.0.0.1:port, says "hello", and waits for the server to send
 * anything; prints "target got <data>" and returns the data.
 */
export function waitForGo(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write("hello\n"));
    socket.setEncoding("utf8");
    socket.once("data", (data: string) => {
      process.stdout.write(`target got ${data.trim()}\n`);
      socket.end();
      resolve(data.trim());
    });
    socket.once("error", reject);
  });
}

/** Prints to stdout and stderr. */
export function speak(line: string): number {
  console.log(`out: ${line}`);
  console.error(`err: ${line}`);
  return line.length;
}

/** Leaves an interval running and returns: the thread must end anyway. */
export function leaveTimer(): string {
  setInterval(() => {}, 1000);
  return "returned";
}

/** Runs until stopped from outside. */
export function forever(): Promise<never> {
  setInterval(() => {}, 1000);
  return new Promise(() => {});
}

export function exitWith(code: number): void {
  process.exit(code);
}

/** An error thrown outside the target's own call chain. */
export function throwLater(): Promise<never> {
  setTimeout(() => {
    throw new TypeError("thrown from a timer");
  }, 0);
  return new Promise(() => {});
}

export function unsendable(): unknown {
  return { f() {} };
}

export const notAFunction = 42;

/** Returns its argument, with the name of its class. */
export function echo<T>(value: T): { value: T; kind: string } {
  return { value, kind: Object.prototype.toString.call(value) };
}
