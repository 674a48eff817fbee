/**
 * The roadmap article, use case 1 with processes: a pool of processes downloads many
 * pages; an `initializer` gives each process one HTTP session when it starts
 * (processes share no memory, so they cannot share a session, and one per
 * request would waste connections).
 *
 *     npx tsc -p tsconfig.json && node dist/examples/process-initializer.js [processes=2] [sites=40]
 *     npx juggle example process-initializer
 *
 * Python:
 *
 *     session = None
 *
 *     def set_global_session():
 *         global session
 *         if not session:
 *             session = requests.Session()
 *
 *     def download_all_sites(sites):
 *         with multiprocessing.Pool(initializer=set_global_session) as pool:
 *             pool.map(download_site, sites)
 *
 * Output:
 *
 *     Downloaded 40 sites, 19040 bytes
 *     Processes used: 2, sessions created: 2
 *     One session per process: yes
 *
 * `initargs` passes the initializer its arguments (here the site's base URL,
 * so the tasks get only paths). The site is served by this program on
 * 127.0.0.1.
 *
 * @module
 */
import { ProcessPool, tasks } from "juggle-core";
import { pages, startSite } from "./tasks/site-server.js";

const t = tasks<typeof import("./tasks/sessions.js")>(new URL("./tasks/sessions.js", import.meta.url));
const processes = Number(process.argv[2] ?? 2);
const count = Number(process.argv[3] ?? 40);

const { base, server } = await startSite();
try {
  const paths = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? "/jython" : "/dice"));
  await using pool = new ProcessPool({ workers: processes, initializer: t.setGlobalSession, initargs: [base] });
  const downloads = await pool.map(t.downloadSite, paths, { chunksize: 1 });

  const bytes = downloads.reduce((sum, d) => sum + d.bytes, 0);
  const expected = paths.reduce((sum, path) => sum + Buffer.byteLength(pages[path] ?? ""), 0);
  const perProcess = new Map(downloads.map((d) => [d.worker, d.sessionsCreated]));
  const sessions = [...perProcess.values()].reduce((a, b) => a + b, 0);
  console.log(`Downloaded ${downloads.length} sites, ${bytes} bytes${bytes === expected ? "" : ` (expected ${expected})`}`);
  console.log(`Processes used: ${perProcess.size}, sessions created: ${sessions}`);
  console.log(`One session per process: ${[...perProcess.values()].every((n) => n === 1) ? "yes" : "no"}`);
} finally {
  server.close();
}
