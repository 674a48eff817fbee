/**
 * `juggle worker`: starts a distributed worker on Redis.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { RedisWorker } from "./worker.js";

export const help = `Usage: juggle worker --redis URL --tasks MODULE [options]

Runs the tasks that RedisPool callers queue, until SIGTERM or Ctrl-C.

Options:
  --redis URL              Redis server (redis://[:password@]host:port[/db], rediss:// for TLS)
  --tasks MODULE           task module path or URL (repeat for several); only these run
  --concurrency N          jobs run at once on the main thread, for I/O-bound tasks (default 1)
  --threads N              run jobs in N worker threads instead, for CPU-bound tasks
  --queue NAME             queue name (default juggle)
  --prefix PREFIX          Redis key prefix (default juggle)
  --name NAME              worker name shown by 'juggle queues' (default host:pid)
  --lock-duration MS       job lock; a dead worker's jobs run again after it (default 4000)
  --stalled-interval MS    period of the check for jobs of dead workers (default 2000)
  --max-stalled-count N    recoveries of a job before it fails (default 2)
  --quiet                  log only start and stop, not each job

On SIGTERM (or Ctrl-C) the worker stops taking jobs and finishes the running
ones; a second signal stops it at once, and its running jobs are run again
by another worker after their lock expires. A task may run more than once:
keep its side effects idempotent.`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`Cannot start worker as '--${name}' must be a non-negative integer: received ${JSON.stringify(value)}`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  let worker: RedisWorker;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        redis: { type: "string" },
        tasks: { type: "string", multiple: true },
        concurrency: { type: "string" },
        threads: { type: "string" },
        queue: { type: "string" },
        prefix: { type: "string" },
        name: { type: "string" },
        "lock-duration": { type: "string" },
        "stalled-interval": { type: "string" },
        "max-stalled-count": { type: "string" },
        quiet: { type: "boolean" },
      },
    });
    if (values.redis === undefined) throw new TypeError("Cannot start worker as '--redis' is missing: received nothing");
    if (values.tasks === undefined) throw new TypeError("Cannot start worker as '--tasks' is missing: received nothing");
    const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);
    worker = await RedisWorker.start({
      connection: values.redis,
      // Relative paths are resolved against the working directory by RedisWorker.
      tasks: values.tasks,
      concurrency: integer("concurrency", values.concurrency),
      threads: integer("threads", values.threads),
      queue: values.queue,
      prefix: values.prefix,
      name: values.name,
      lockDuration: integer("lock-duration", values["lock-duration"]),
      stalledInterval: integer("stalled-interval", values["stalled-interval"]),
      maxStalledCount: integer("max-stalled-count", values["max-stalled-count"]),
      log,
      logJobs: values.quiet !== true,
    });
  } catch (error) {
    console.error((error as Error)?.message ?? String(error));
    return 2;
  }
  let signals = 0;
  const stopped = new Promise<void>((resolveStopped) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      console.log(`${new Date().toISOString()} ${signal}: ${signals === 1 ? "finishing running jobs (send again to stop now)" : "stopping now"}`);
      worker.close(signals > 1).then(() => {
        process.off("SIGTERM", onSignal);
        process.off("SIGINT", onSignal);
        resolveStopped();
      }, resolveStopped);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  await stopped;
  // A task that outlived its timeout may still hold the event loop; the worker
  // is closed, so nothing it does matters any more.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}
