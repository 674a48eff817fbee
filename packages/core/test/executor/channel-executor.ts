/**
 * A backend written only against the public entries `juggle-core/executor`
 * and `juggle-core`: it runs each job on the far side of a `MessageChannel`,
 * on this thread. Its far side does what a worker thread, a child process or
 * a Redis worker does: resolve the task reference, run the job's payload
 * under a signal, and send back the result or the serialized error. Every
 * message is a structured clone, so arguments and results are copied as they
 * would be across a real boundary. It exists to prove that the seam is enough
 * to build a backend (test/executor/channel-executor.test.ts runs the
 * executor contract suite on it); docs/backends.md walks through it.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import type { WorkerStats } from "juggle-core";
import {
  BaseExecutor,
  type BaseExecutorOptions,
  checkInteger,
  checkOptions,
  deserializeError,
  isThenable,
  type Job,
  resolveTask,
  runPayload,
  type SerializedError,
  serializeError,
} from "juggle-core/executor";

/** Caller → far side. */
type Request =
  | { t: "run"; id: number; module: string; name: string; kind: number; payload: unknown[] }
  | { t: "abort"; id: number; reason: SerializedError };
/** Far side → caller: one reply per run request. */
interface Reply {
  id: number;
  ok: boolean;
  /** The result, or the serialized error. */
  value: unknown;
  startedAt: number;
  endedAt: number;
}

/** The far side of one channel: what a worker's entry point would be. */
function serve(port: MessagePort): void {
  const controllers = new Map<number, AbortController>();
  const reply = (message: Reply): void => {
    try {
      port.postMessage(message);
    } catch (error) {
      // A result that cannot be cloned: the task fails with the clone error.
      port.postMessage({ ...message, ok: false, value: serializeError(error) });
    }
  };
  port.on("message", async (request: Request) => {
    if (request.t === "abort") {
      controllers.get(request.id)?.abort(deserializeError(request.reason));
      return;
    }
    const controller = new AbortController();
    controllers.set(request.id, controller);
    const startedAt = performance.timeOrigin + performance.now();
    let ok = false;
    let value: unknown;
    try {
      const fn = await resolveTask({ module: request.module, name: request.name });
      value = runPayload(fn, request.kind, request.payload, controller.signal);
      if (isThenable(value)) value = await value;
      ok = true;
    } catch (error) {
      value = serializeError(error);
    }
    controllers.delete(request.id);
    reply({ id: request.id, ok, value, startedAt, endedAt: performance.timeOrigin + performance.now() });
  });
  port.unref(); // the caller's port keeps the process alive while a job is out
}

/** One channel: the caller's port, the job it runs and its counters. */
interface Slot {
  readonly id: string;
  readonly port: MessagePort;
  job: Job | undefined;
  tasks: number;
  busyMs: number;
}

/** Options of {@link ChannelExecutor}. */
export interface ChannelExecutorOptions extends BaseExecutorOptions {
  /** Channels, i.e. jobs run at once. Default 2. */
  workers?: number;
}

/** Runs each job across a `MessageChannel` on this thread, `workers` at a time. */
export class ChannelExecutor extends BaseExecutor {
  readonly #slots: Slot[] = [];
  /** Jobs sent and not answered, by id (an abandoned job leaves at once). */
  readonly #sent = new Map<number, Slot>();
  readonly #bornAt = performance.now();

  constructor(options?: ChannelExecutorOptions) {
    const o = checkOptions<ChannelExecutorOptions>("create ChannelExecutor", options);
    super("ChannelExecutor", { trace: o.trace });
    const workers = checkInteger("create ChannelExecutor", "workers", o.workers ?? 2, { min: 1 });
    for (let i = 0; i < workers; i++) {
      const { port1, port2 } = new MessageChannel();
      serve(port2);
      const slot: Slot = { id: `channel-${i}`, port: port1, job: undefined, tasks: 0, busyMs: 0 };
      port1.on("message", (reply: Reply) => this.#answer(slot, reply));
      port1.unref();
      this.#slots.push(slot);
    }
  }

  protected get concurrency(): number {
    return this.#slots.length;
  }

  protected dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.job !== undefined) continue;
      const job = this.takeJob();
      if (job === undefined) return;
      const { id, ref, kind, payload } = job;
      try {
        slot.port.postMessage({ t: "run", id, module: ref.module, name: ref.name, kind, payload } satisfies Request);
      } catch (error) {
        this.settleJob(job, false, error);
        continue;
      }
      slot.job = job;
      if (this.#sent.size === 0) slot.port.ref();
      this.#sent.set(id, slot);
    }
  }

  #answer(slot: Slot, reply: Reply): void {
    if (this.#sent.get(reply.id) !== slot) return; // abandoned: its late reply is ignored
    const job = slot.job as Job;
    this.#free(slot, job);
    slot.tasks += job.count;
    slot.busyMs += reply.endedAt - reply.startedAt;
    const value = reply.ok ? reply.value : deserializeError(reply.value as SerializedError);
    this.settleJob(job, reply.ok, value, reply.startedAt, reply.endedAt, slot.id);
    this.schedule();
  }

  #free(slot: Slot, job: Job): void {
    slot.job = undefined;
    this.#sent.delete(job.id);
    if (this.#sent.size === 0) for (const s of this.#slots) s.port.unref();
  }

  protected abandon(job: Job): void {
    const slot = this.#sent.get(job.id);
    if (slot === undefined) return;
    // The base already rejected the job; tell the far side (its taskSignal()
    // aborts) and give the channel to the next job.
    slot.port.postMessage({ t: "abort", id: job.id, reason: serializeError(job.signal?.reason) } satisfies Request);
    this.#free(slot, job);
    this.schedule();
  }

  protected runningJobs(): Iterable<Job> {
    return this.#slots.flatMap((slot) => (slot.job === undefined ? [] : [slot.job]));
  }

  protected async shutdown(): Promise<void> {
    for (const slot of this.#slots) slot.port.close();
    this.#slots.length = 0;
  }

  protected workerStats(): WorkerStats[] {
    const life = performance.now() - this.#bornAt;
    return this.#slots.map((s) => ({ id: s.id, tasks: s.tasks, utilisation: life > 0 ? Math.min(1, s.busyMs / life) : 0 }));
  }
}
