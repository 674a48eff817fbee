/**
 * A description of the machine the lab ran on, for the report's header and
 * `results.json`: results only mean something next to the CPU, its core
 * count and the Node version.
 *
 * @module
 */
import { arch, availableParallelism, cpus, loadavg, release, totalmem, type } from "node:os";
import type { PythonInfo } from "./python.js";

/** The machine, as the report shows it. */
export interface MachineInfo {
  /** CPU model name, e.g. "AMD EPYC 7B13". */
  cpuModel: string;
  /** Logical CPUs Node may use (`os.availableParallelism()`). */
  cores: number;
  /** Clock speed in MHz as the OS reports it (0 when unknown). */
  mhz: number;
  /** Total memory in GiB. */
  memoryGiB: number;
  /** e.g. "v20.20.2". */
  node: string;
  /** V8 version. */
  v8: string;
  /** e.g. "Linux 6.1.0 x64". */
  os: string;
  /** The Python version that ran the Python side, or `null` (absent, or `--no-python`). */
  python: string | null;
  /** The 1-minute load average when the lab started and when it ended. */
  loadAverage: { start: number; end: number };
}

/** Describes this machine. */
export function describeMachine(python?: PythonInfo): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() || "unknown CPU",
    cores: availableParallelism(),
    mhz: list[0]?.speed ?? 0,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    os: `${type()} ${release()} ${arch()}`,
    python: python?.version ?? null,
    loadAverage: { start: loadavg()[0] ?? 0, end: loadavg()[0] ?? 0 },
  };
}

/** One line, e.g. "AMD EPYC, 2 cores, 24 GiB, Node v20.20.2, Linux 6.1 x64". */
export function machineLine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`;
}
