/**
 * Speed-ups that cannot be true. A speed-up above the machine's core count,
 * or one worker more than 10% faster than the serial run of the same work,
 * means the serial baseline or the run was disturbed (other load, a cold
 * JIT, a different heap): the lab flags such a row as a measurement problem
 * and keeps it in the table, never presenting it as a result.
 *
 * @module
 */

/** One worker may beat serial by this much before it is suspect (noise between two runs of the same code). */
export const ONE_WORKER_TOLERANCE = 1.1;

/**
 * Why a speed-up is a measurement problem, or `undefined` when it is plausible.
 *
 * @param speedup Serial time / this run's time.
 * @param workers Workers of this run.
 * @param cores The machine's cores.
 * @example
 * ```ts
 * measurementProblem(2.46, 2, 2); // "2.46x with 2 workers is above the 2 cores: …"
 * measurementProblem(1.9, 2, 2);  // undefined
 * ```
 */
export function measurementProblem(speedup: number, workers: number, cores: number): string | undefined {
  if (speedup > cores) {
    return `${speedup}x with ${workers} worker(s) is above the ${cores} cores: the serial baseline or this run was disturbed (a measurement problem, not a result)`;
  }
  if (workers === 1 && speedup > ONE_WORKER_TOLERANCE) {
    return `one worker ran ${speedup}x as fast as serial (more than 10% faster on the same work): a measurement problem, not a result`;
  }
  return undefined;
}
