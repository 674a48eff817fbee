/**
 * Test helper: a real `redis-server` on a free loopback port, in a temporary
 * directory, stopped (and the directory removed) by `stop()`. When
 * `redis-server` is not installed the helper throws: tests fail, they do not
 * skip.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs `cleanup` also when this process is told to stop (SIGTERM, SIGINT),
 * which skips "exit" listeners, then exits as the signal would have.
 */
export function onTermination(cleanup: () => void): () => void {
  const handlers = (["SIGTERM", "SIGINT"] as const).map((signal) => {
    const handler = (): void => {
      cleanup();
      process.off(signal, handler);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops the server (SIGTERM: it writes its append-only file) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("Cannot find a free port");
  return address.port;
}

function launch(port: number, dir: string, appendonly: boolean, password: string | undefined): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      "--port", String(port),
      "--bind", "127.0.0.1",
      "--dir", dir,
      "--save", "",
      "--appendonly", appendonly ? "yes" : "no",
      "--appendfsync", "always",
      "--daemonize", "no",
      "--loglevel", "notice",
      ...(password === undefined ? [] : ["--requirepass", password]),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // If the test process exits without stopping the server (a test timed
  // out, an assertion threw past the cleanup), the server goes with it.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const unregister = onTermination(killOnExit);
  child.once("exit", () => {
    process.off("exit", killOnExit);
    unregister();
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not become ready on port ${port}: ${output}`));
    }, 10_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start redis-server (is it installed? apt-get install redis-server): ${error.message}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready: ${output}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Starts a redis-server; `appendonly` turns on the append-only file (for restart tests), `password` requires AUTH. */
export async function startRedisServer(options: { appendonly?: boolean; password?: string } = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "juggle-redis-"));
  const appendonly = options.appendonly ?? false;
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 0; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir, appendonly, options.password);
    } catch (error) {
      // Another process may have taken the port between the probe and the launch.
      if (attempt >= 3 || !String(error).includes("Address already in use")) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let current: ChildProcess = child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async restart() {
      await stopChild(current);
      current = await launch(port, dir, appendonly, options.password);
    },
    async stop() {
      await stopChild(current);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
