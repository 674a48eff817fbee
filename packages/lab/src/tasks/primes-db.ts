/**
 * The CPU side of the `primes-db` experiment (HPP ch. 8's database
 * example), as a task module so a pool can run it in a worker.
 *
 * @module
 */
import { isPrime } from "./cpu.js";

/** The book's `check_prime`: trial division by odd numbers up to the square root (the lab's one `isPrime`). */
export const checkPrime: (n: number) => boolean = isPrime;

/** The primes in `[from, to)`, in order. */
export function primesBetween(from: number, to: number): number[] {
  const out: number[] = [];
  for (let n = from; n < to; n++) if (checkPrime(n)) out.push(n);
  return out;
}

/**
 * `checkPrime` repeated `repeat` times (the same answer each time): the
 * lab's stand-in for Python's slower arithmetic, so the CPU part weighs
 * against the I/O as it did in the book.
 */
export function checkPrimeRepeated(n: number, repeat: number): boolean {
  let prime = false;
  for (let k = 0; k < repeat; k++) prime = checkPrime(n + (k & 0)); // `k & 0` keeps the loop from being folded
  return prime;
}

/** The primes in `[from, to)`, each checked `repeat` times. */
export function primesBetweenRepeated(from: number, to: number, repeat: number): number[] {
  const out: number[] = [];
  for (let n = from; n < to; n++) if (checkPrimeRepeated(n, repeat)) out.push(n);
  return out;
}

/** A range of numbers to check, for a pool. */
export interface PrimeRange {
  from: number;
  to: number;
  repeat: number;
}

/** The primes of one range, each number checked `repeat` times (a pool task). */
export function primesInRange({ from, to, repeat }: PrimeRange): number[] {
  return primesBetweenRepeated(from, to, repeat);
}
