/** The task of the Thread/Process benchmark, and the bare worker/child of its anchors. */
import { parentPort } from "node:worker_threads";

export function answer(): number {
  return 42;
}

// Run as a bare worker thread or child process (the anchors): send one
// message and end, the floor of what Thread/Process do per run.
if (process.argv.includes("--bare-child") && typeof process.send === "function") {
  process.send(42, () => process.exit(0));
} else if (parentPort !== null && process.env.JUGGLE_BENCH_BARE === "1") {
  parentPort.postMessage(42);
}
