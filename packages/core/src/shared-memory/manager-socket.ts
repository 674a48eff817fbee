/**
 * The life of a `Manager`'s socket file in `os.tmpdir()`.
 *
 * A Unix socket file outlives its server unless someone removes it. Removed:
 * by `shutdown()`; by an `exit` hook when the process ends through
 * `process.exit()`, a natural end or an uncaught error (one hook for every
 * manager of the process). Nothing runs on `SIGKILL`, so the next
 * `Manager.start()` of any process of this user sweeps files whose owning
 * process is gone; a leftover file can never be reused by mistake anyway,
 * since each name carries the pid, a counter and random bytes.
 *
 * @internal
 * @module
 */
import { randomBytes } from "node:crypto";
import { unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sweepStaleFiles } from "../internal/stale-files.js";

const PREFIX = "juggle-manager-";
const NAME = /^juggle-manager-(\d+)-\d+-[0-9a-f]+\.sock$/;

let counter = 0;
/** Socket files of this process's live managers, removed by the exit hook. */
const live = new Set<string>();

function removeLive(): void {
  for (const path of live) removeFile(path);
  live.clear();
}

/** Removes a file, ignoring one already gone. */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already removed (by the server's close, or by hand).
  }
}

/** A fresh socket path in the temp dir, removed when this process exits unless {@link releaseSocketPath} runs first. */
export function claimSocketPath(): string {
  const path = join(tmpdir(), `${PREFIX}${process.pid}-${++counter}-${randomBytes(4).toString("hex")}.sock`);
  if (live.size === 0) process.on("exit", removeLive);
  live.add(path);
  return path;
}

/** Removes a socket file now and forgets it (the manager shut down). */
export function releaseSocketPath(path: string): void {
  removeFile(path);
  live.delete(path);
  if (live.size === 0) process.off("exit", removeLive);
}

/**
 * Removes the socket files left in the temp dir by managers whose process is
 * gone (killed with `SIGKILL`, so no exit hook ran); see
 * `internal/stale-files.ts`.
 */
export function sweepStaleSockets(): void {
  sweepStaleFiles(NAME);
}
