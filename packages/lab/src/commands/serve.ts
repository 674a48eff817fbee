/**
 * `juggle serve`: the delay server alone, for other clients (curl, the
 * book's Python crawlers). Runs until Ctrl-C.
 *
 * @module
 */
import { DelayServer } from "../delay-server.js";
import { parseCommandLine, parseFlagValue, UsageError } from "../flags.js";

/** Help for `juggle serve`. */
export const help = `Usage: juggle serve [options]

Starts the delay server of High Performance Python ch. 8 and runs until Ctrl-C.
  GET /add?name=X&delay=MS   answers after MS milliseconds
  GET /add?prime=N           stores N in the "database" (answers after --db-latency ms)
  GET /log                   every request's arrival and completion times (JSON)
  GET /reset                 clears the log

Options:
  --port <n>          TCP port, 0 for a free one (default 8080)
  --host <address>    address to listen on (default 127.0.0.1: this machine only)
  --db-latency <ms>   latency of /add?prime=N (default 50)
  --max-delay <ms>    largest delay accepted (default 60000)
  -h, --help          this help`;

/** Runs `juggle serve`; resolves to the exit code once stopped. */
export async function run(argv: string[], stop?: AbortSignal): Promise<number> {
  let server: DelayServer;
  try {
    const { values } = parseCommandLine("serve", argv, {
      port: { type: "string" },
      host: { type: "string" },
      "db-latency": { type: "string" },
      "max-delay": { type: "string" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help === true) {
      console.log(help);
      return 0;
    }
    const port = values.port === undefined ? 8080 : (parseFlagValue("serve", "port", { type: "integer", default: 8080, max: 65535, description: "" }, values.port as string) as number);
    const host = typeof values.host === "string" ? values.host : "127.0.0.1";
    if (host.trim() === "") throw new UsageError(`Cannot run serve as '--host' must be an address: received ""`);
    const dbLatency = values["db-latency"] === undefined ? 50 : (parseFlagValue("serve", "db-latency", { type: "number", default: 50, description: "" }, values["db-latency"] as string) as number);
    const maxDelay = values["max-delay"] === undefined ? 60_000 : (parseFlagValue("serve", "max-delay", { type: "number", default: 60_000, description: "" }, values["max-delay"] as string) as number);
    server = await DelayServer.start({ port, host, dbLatency, maxDelay });
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES" || code === "ENOTFOUND") {
      console.error(`Cannot start the delay server: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
  console.log(`Delay server listening on ${server.url} (try ${server.url}/add?name=hello&delay=100); Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
    stop?.addEventListener("abort", done, { once: true });
  });
  await server.close();
  console.log(`Delay server stopped after ${server.log.length} logged requests`);
  return 0;
}
