/**
 * What a host's own log says about how politely it was crawled: the most
 * requests it had in flight at once, the most that arrived within one rate
 * window, and how long each 429 was honoured before the request came back.
 * Read from the delay server's log, not from the client, so a limiter that
 * let too much through would show here.
 *
 * @module
 */
import type { DelayLogEntry } from "./delay-server.js";

/** One host's log, summarised by {@link politeChecks}. */
export interface PoliteChecks {
  /** Most requests in flight at the server at once (a 429 counts for its instant). */
  maxInFlight: number;
  /** Most arrivals within any window of `window` ms. */
  maxInWindow: number;
  /** 429s answered. */
  tooMany: number;
  /** 429s followed by a later attempt of the same request. */
  retried: number;
  /** Shortest time from a 429's answer to the next arrival of the same request, ms; `null` without retries. */
  shortestRetryGap: number | null;
}

/**
 * Summarises one host's log.
 *
 * @param entries The host's `/add?name=…` log entries (every attempt, 429s included).
 * @param window The rate window to count arrivals in, ms.
 * @throws {RangeError} When `window` is not a positive finite number.
 * @example
 * ```ts
 * const { maxInFlight, maxInWindow } = politeChecks((await server.log()).entries, 900);
 * ```
 */
export function politeChecks(entries: readonly DelayLogEntry[], window: number): PoliteChecks {
  if (!(window > 0 && Number.isFinite(window))) {
    throw new RangeError(`Cannot check a host's log as 'window' must be a positive number of milliseconds: received ${window}`);
  }
  // In flight: +1 at arrival, -1 at the answer (an answer at the same instant
  // as another arrival counts first); an answer given at its arrival (a 429)
  // is in flight for that instant only (step 2: counted, then gone).
  const events: [time: number, step: -1 | 1 | 2][] = [];
  for (const e of entries) {
    if (e.completedAt === e.arrivedAt) {
      events.push([e.arrivedAt, 2]);
      continue;
    }
    events.push([e.arrivedAt, 1]);
    events.push([e.completedAt ?? Number.POSITIVE_INFINITY, -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let maxInFlight = 0;
  for (const [, step] of events) {
    if (step !== 2) inFlight += step;
    maxInFlight = Math.max(maxInFlight, step === 2 ? inFlight + 1 : inFlight);
  }
  // Arrivals in any half-open window [t, t + window): two pointers over the sorted arrivals.
  const arrivals = entries.map((e) => e.arrivedAt).sort((a, b) => a - b);
  let maxInWindow = 0;
  for (let lo = 0, hi = 0; hi < arrivals.length; hi++) {
    while ((arrivals[hi] as number) - (arrivals[lo] as number) >= window) lo++;
    maxInWindow = Math.max(maxInWindow, hi - lo + 1);
  }
  // Each 429 against the next attempt of the same request.
  const byName = new Map<string, DelayLogEntry[]>();
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  let tooMany = 0;
  let retried = 0;
  let shortestRetryGap: number | null = null;
  for (const attempts of byName.values()) {
    attempts.sort((a, b) => a.arrivedAt - b.arrivedAt);
    attempts.forEach((e, i) => {
      if (e.status !== 429) return;
      tooMany++;
      const next = attempts[i + 1];
      if (next === undefined) return;
      retried++;
      const gap = next.arrivedAt - (e.completedAt ?? e.arrivedAt);
      shortestRetryGap = shortestRetryGap === null ? gap : Math.min(shortestRetryGap, gap);
    });
  }
  return { maxInFlight, maxInWindow, tooMany, retried, shortestRetryGap };
}
