/**
 * `juggle queues`: the distributed queues seen from outside — job counts,
 * connected workers, and the age of the oldest waiting job.
 *
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { connectionSpec, createClient, DEFAULT_CONNECT_TIMEOUT, probe } from "./connection.js";
import { DEFAULT_PREFIX } from "./settings.js";

export const help = `Usage: juggle queues --redis URL [options]

Shows each queue's waiting, active, completed, failed and delayed jobs, its
connected workers and the age of its oldest waiting job.

Options:
  --redis URL        Redis server (redis://[:password@]host:port[/db], rediss:// for TLS)
  --queue NAME       only this queue (repeat for several; default: every queue under the prefix)
  --prefix PREFIX    Redis key prefix (default juggle)
  --watch            refresh until Ctrl-C
  --interval MS      refresh period with --watch (default 1000)
  --json             print JSON instead of a table`;

/** One queue's state. */
export interface QueueState {
  queue: string;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
  workers: number;
  /** Milliseconds since the oldest waiting job was added, or null when none waits. */
  oldestWaitingMs: number | null;
}

async function findQueues(client: Redis, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*:meta`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) names.add(key.slice(prefix.length + 1, -":meta".length));
  } while (cursor !== "0");
  return [...names].sort();
}

/** Reads one queue's state. */
export async function queueState(client: Redis, prefix: string, name: string): Promise<QueueState> {
  const queue = new Queue(name, { connection: client, prefix });
  try {
    const counts = await queue.getJobCounts("waiting", "prioritized", "active", "completed", "failed", "delayed");
    const workers = await queue.getWorkersCount();
    // Jobs are pushed on the left of the wait list and taken from the right:
    // the oldest waiting job is the last element.
    const oldestId = await client.lindex(`${prefix}:${name}:wait`, -1);
    const stamp = oldestId === null ? null : await client.hget(`${prefix}:${name}:${oldestId}`, "timestamp");
    return {
      queue: name,
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      delayed: counts.delayed ?? 0,
      workers,
      oldestWaitingMs: stamp === null ? null : Math.max(0, Date.now() - Number(stamp)),
    };
  } finally {
    await queue.close();
  }
}

function age(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

function table(states: QueueState[]): string {
  const head = ["queue", "waiting", "active", "completed", "failed", "delayed", "workers", "oldest waiting"];
  const rows = states.map((s) => [s.queue, s.waiting, s.active, s.completed, s.failed, s.delayed, s.workers, age(s.oldestWaitingMs)].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(head), ...rows.map(line)].join("\n") + (states.length === 0 ? "\n(no queues)" : "");
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        redis: { type: "string" },
        queue: { type: "string", multiple: true },
        prefix: { type: "string" },
        watch: { type: "boolean" },
        interval: { type: "string" },
        json: { type: "boolean" },
      },
    }));
    if (values.redis === undefined) throw new TypeError("Cannot show queues as '--redis' is missing: received nothing");
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const interval = Number(values.interval ?? 1000);
  if (!Number.isFinite(interval) || interval < 100) {
    console.error(`Cannot show queues as '--interval' must be a number of ms >= 100: received ${JSON.stringify(values.interval)}`);
    return 2;
  }
  const prefix = values.prefix ?? DEFAULT_PREFIX;
  let spec;
  try {
    spec = connectionSpec("show queues", values.redis, DEFAULT_CONNECT_TIMEOUT);
    await probe(spec, "show queues");
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const client = createClient(spec, { maxRetriesPerRequest: 3 });
  client.on("error", () => {});
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    do {
      const names = values.queue ?? (await findQueues(client, prefix));
      const states = [];
      for (const name of names) states.push(await queueState(client, prefix, name));
      const out = values.json ? JSON.stringify(states) : table(states);
      if (values.watch && !values.json && process.stdout.isTTY) process.stdout.write("\x1b[2J\x1b[H");
      console.log(values.watch ? `${new Date().toISOString()}  ${spec.label}\n${out}\n` : out);
      if (values.watch) await sleep(interval, undefined, { signal: stop.signal }).catch(() => {});
    } while (values.watch && !stop.signal.aborted);
    return 0;
  } catch (error) {
    console.error(`Cannot show queues: ${(error as Error).message}`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await client.quit().catch(() => client.disconnect());
  }
}
