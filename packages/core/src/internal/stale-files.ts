/**
 * Temp files named after the pid of the process that made them (socket files
 * of a Manager or a ProcessQueue, a queue's take tallies): those of a process
 * that is gone are removed by the next one to start. A SIGKILL leaves its
 * owner no chance to clean up; paths are random, so a stale file is never
 * reused, and sweeping only keeps the temp dir tidy.
 *
 * @internal
 * @module
 */
import { readdirSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the files of the temp dir whose name matches `name` (its first
 * group the owner's pid) and whose owner is gone. A file removed meanwhile,
 * or not this user's to remove, is left alone. Synchronous: it runs once as
 * a Manager or queue starts, and the new socket's own file (this pid) is
 * never a candidate.
 *
 * @param name The file-name pattern; group 1 is the pid.
 */
export function sweepStaleFiles(name: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const file of names) {
    const match = name.exec(file);
    if (match === null || processExists(Number(match[1]))) continue;
    try {
      unlinkSync(join(tmpdir(), file));
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
}
