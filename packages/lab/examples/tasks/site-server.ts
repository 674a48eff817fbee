/**
 * A local web site for the roadmap article's download examples: two pages on 127.0.0.1,
 * so the examples need no network.
 *
 * @module
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The pages served, by path. */
export const pages: Record<string, string> = {
  "/jython": `<html><body>${"Jython ".repeat(100)}</body></html>`,
  "/dice": `<html><body>${"dice ".repeat(40)}</body></html>`,
};

/** Starts the site on a free port; resolves with its base URL and the server. */
export async function startSite(): Promise<{ base: string; server: Server }> {
  const server = createServer((request, response) => {
    const page = pages[request.url ?? ""];
    response.writeHead(page === undefined ? 404 : 200, { "content-type": "text/html" });
    response.end(page ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, server };
}
