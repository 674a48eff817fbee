/**
 * Repeated measurements: every configuration of the lab runs several times
 * and is shown as its median with the smallest and largest run, in tables
 * (`1.23 (1.20–1.31)`) and as error bars in charts.
 *
 * @module
 */
import { median } from "./experiments/cpu-bench.js";

/** The runs of one configuration and their median, min and max. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

/**
 * Summarises repeated runs.
 *
 * @throws {RangeError} When `runs` is empty.
 */
export function spread(runs: readonly number[]): Spread {
  if (runs.length === 0) throw new RangeError("Cannot summarise runs as 'runs' must not be empty: received []");
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

/** `median (min–max)` with `digits` decimals; only the median when there was one run. */
export function formatSpread(s: Spread, digits = 3, scale = 1, unit = ""): string {
  const f = (x: number): string => (x * scale).toFixed(digits);
  return s.runs.length === 1 ? `${f(s.median)}${unit}` : `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

/** Runs `measure` `times` times, one after another; returns each run's value. */
export async function repeat(times: number, measure: (run: number) => Promise<number>, signal?: AbortSignal): Promise<number[]> {
  const values: number[] = [];
  for (let run = 0; run < times && signal?.aborted !== true; run++) values.push(await measure(run));
  return values;
}
