/**
 * The roadmap article, use case 1 with threads: download many pages with a pool of
 * threads, each thread with its own HTTP session (a session is not
 * thread-safe, and creating one per request wastes connections).
 *
 *     npx tsc -p tsconfig.json && node dist/examples/thread-local-session.js [threads=2] [sites=40]
 *     npx juggle example thread-local-session
 *
 * Python:
 *
 *     thread_local = threading.local()
 *
 *     def get_session():
 *         if not getattr(thread_local, "session", None):
 *             thread_local.session = requests.Session()
 *         return thread_local.session
 *
 *     def download_site(url):
 *         session = get_session()
 *         with session.get(url) as response:
 *             print(f"Read {len(response.content)} from {url}")
 *
 *     with concurrent.futures.ThreadPoolExecutor(max_workers=5) as executor:
 *         executor.map(download_site, sites)
 *
 * Output:
 *
 *     Downloaded 40 sites, 19040 bytes
 *     Worker threads used: 2, sessions created: 2
 *     One session per thread: yes
 *
 * No `threading.local()` is needed: each worker thread loads its own copy of
 * the task module (`tasks/sessions.ts`), so a module-level variable is
 * already per thread. The site is served by this program on 127.0.0.1.
 *
 * @module
 */
import { tasks, ThreadPool } from "juggle-core";
import { pages, startSite } from "./tasks/site-server.js";

const t = tasks<typeof import("./tasks/sessions.js")>(new URL("./tasks/sessions.js", import.meta.url));
const threads = Number(process.argv[2] ?? 2);
const count = Number(process.argv[3] ?? 40);

const { base, server } = await startSite();
try {
  const sites = Array.from({ length: count }, (_, i) => `${base}${i % 2 === 0 ? "/jython" : "/dice"}`);
  await using executor = new ThreadPool({ workers: threads });
  const downloads = await executor.map(t.downloadSite, sites, { chunksize: 1 });

  const bytes = downloads.reduce((sum, d) => sum + d.bytes, 0);
  const expected = sites.reduce((sum, url) => sum + Buffer.byteLength(pages[new URL(url).pathname] ?? ""), 0);
  // The last report of each worker says how many sessions it made in all.
  const perWorker = new Map(downloads.map((d) => [d.worker, d.sessionsCreated]));
  const sessions = [...perWorker.values()].reduce((a, b) => a + b, 0);
  console.log(`Downloaded ${downloads.length} sites, ${bytes} bytes${bytes === expected ? "" : ` (expected ${expected})`}`);
  console.log(`Worker threads used: ${perWorker.size}, sessions created: ${sessions}`);
  console.log(`One session per thread: ${[...perWorker.values()].every((n) => n === 1) ? "yes" : "no"}`);
} finally {
  server.close();
}
