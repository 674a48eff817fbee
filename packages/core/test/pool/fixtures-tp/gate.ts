/**
 * A gate for blocking targets and commands without sleeps: a loopback TCP
 * server that counts the clients that said "hello" and sends "go" to them
 * when the test releases them.
 */
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { deferred } from "../../../src/internal/deferred.js";

export interface Gate {
  readonly port: number;
  /** Clients connected now (said hello and not yet gone). */
  readonly waiting: number;
  /** Largest number of clients connected at once. */
  readonly maxWaiting: number;
  /** Resolves once `n` clients in total have said hello. */
  arrived(n: number): Promise<void>;
  /** Resolves once `n` clients in total have disconnected. */
  departed(n: number): Promise<void>;
  /** Sends `data` to every waiting client (and to later ones when `open`). */
  release(data?: string, options?: { open?: boolean }): void;
  close(): Promise<void>;
}

export async function openGate(options: { onHello?: (gate: Gate) => void } = {}): Promise<Gate> {
  const sockets = new Set<Socket>();
  let hellos = 0;
  let byes = 0;
  let waiting = 0;
  let maxWaiting = 0;
  let openWith: string | undefined;
  const arrivals: { n: number; resolve: () => void }[] = [];
  const departures: { n: number; resolve: () => void }[] = [];
  const settle = (list: { n: number; resolve: () => void }[], count: number): void => {
    for (let i = list.length - 1; i >= 0; i--) {
      if (count >= list[i].n) {
        list[i].resolve();
        list.splice(i, 1);
      }
    }
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    let said = false;
    socket.setEncoding("utf8");
    socket.on("data", () => {
      if (said) return;
      said = true;
      hellos++;
      waiting++;
      maxWaiting = Math.max(maxWaiting, waiting);
      if (openWith !== undefined) socket.write(openWith);
      settle(arrivals, hellos);
      options.onHello?.(gate);
    });
    socket.on("close", () => {
      sockets.delete(socket);
      if (said) waiting--;
      byes++;
      settle(departures, byes);
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const gate: Gate = {
    port,
    get waiting() {
      return waiting;
    },
    get maxWaiting() {
      return maxWaiting;
    },
    arrived(n) {
      const d = deferred<void>();
      arrivals.push({ n, resolve: () => d.resolve() });
      settle(arrivals, hellos);
      return d.promise;
    },
    departed(n) {
      const d = deferred<void>();
      departures.push({ n, resolve: () => d.resolve() });
      settle(departures, byes);
      return d.promise;
    },
    release(data = "go", { open = false } = {}) {
      if (open) openWith = data;
      for (const socket of sockets) socket.write(data);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
  return gate;
}
