/**
 * `primes-db`: HPP chapter 8's database example. Primes are found by trial
 * division and each one is saved to a slow "database" (the delay server's
 * `/add?prime=N`, 50 ms per save): one save at a time, through juggle's
 * `Batcher` (the book's `AsyncBatcher`), and with the CPU work in a worker
 * thread while the main thread only saves.
 *
 * @module
 */
import { Batcher } from "juggle-core";
import { tasks } from "juggle-core";
import { ThreadPool } from "juggle-core";
import { availableParallelism } from "node:os";
import { defineExperiment, type ResultTable } from "../experiment.js";
import { CrawlClient } from "../crawl-client.js";
import { measurementProblem } from "../measurement-check.js";
import { formatSpread, spread } from "../spread.js";
import { checkPrimeRepeated, type PrimeRange, primesBetweenRepeated } from "../tasks/primes-db.js";

const primeTasks = tasks<typeof import("../tasks/primes-db.js")>(new URL("../tasks/primes-db.js", import.meta.url));

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** CPU time between turns given to the event loop by the Batcher variant. */
const YIELD_EVERY_MS = 2;

/** Gives the event loop a turn (lets sent requests' answers in). */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function save(client: CrawlClient, prime: number): Promise<void> {
  const res = await client.get(`/add?prime=${prime}`);
  if (res.status !== 200) throw new Error(`Cannot save prime ${prime}: status ${res.status} ${res.body}`);
}

/**
 * The book's AsyncBatcher: primes queue up and a full batch goes out as
 * concurrent saves, each batch recorded as one span on the "database" row.
 */
function saveBatcher(client: CrawlClient, trace: { span<T>(name: string, fn: () => Promise<T>, worker: string): Promise<T> }, size: number): Batcher<number, void> {
  return new Batcher<number, void>({
    handler: (primes) => trace.span(`batch of ${primes.length}`, () => Promise.all(primes.map((p) => save(client, p))), "database"),
    size,
    delay: Number.POSITIVE_INFINITY,
    concurrency: 1,
  });
}

/**
 * Saves every prime `feed` passes to `add` through a {@link saveBatcher},
 * waits for the last batch, and returns how many were saved.
 */
async function saveAll(
  client: CrawlClient,
  trace: Parameters<typeof saveBatcher>[1],
  size: number,
  feed: (add: (prime: number) => void) => Promise<void>,
): Promise<number> {
  const batcher = saveBatcher(client, trace, size);
  const pending: Promise<void>[] = [];
  try {
    await feed((prime) => {
      pending.push(batcher.add(prime));
    });
    await batcher.close();
    await Promise.all(pending);
  } finally {
    await batcher.close();
  }
  return pending.length;
}

interface VariantRun {
  ms: number;
  saved: number;
  requests: number;
}

export default defineExperiment({
  name: "primes-db",
  title: "Saving results to a slow database",
  description: "primes saved one by one vs through the Batcher vs CPU work in a worker thread",
  source: "HPP ch. 8 (AsyncBatcher)",
  flags: {
    maxNumber: { type: "integer", default: 768, quick: 128, min: 3, max: 10_000_000, description: "find primes below this (book: 8192)" },
    batchSize: { type: "integer", default: 100, quick: 10, min: 1, max: 100_000, description: "saves per batch (book: 100)" },
    cpuRepeat: { type: "integer", default: 250_000, quick: 1000, min: 1, max: 10_000_000, description: "times each number is checked, so the CPU part weighs as Python's did" },
    workers: { type: "integer", default: 2, quick: 1, min: 1, max: 64, description: "worker threads for the offloaded variant" },
    repeats: { type: "integer", default: 3, quick: 1, min: 1, max: 100, description: "rounds of every variant (median and min-max shown)" },
  },
  async run(ctx) {
    const f = ctx.flags;
    const server = await ctx.delayServer();
    const latency = server.dbLatency;
    const runs: { label: string; run: VariantRun }[] = [];
    const batchTrace = ctx.trace("batcher");
    // The pool records its tasks (one row per worker) next to the batches.
    const offloadTrace = ctx.trace("offload");
    const pool = new ThreadPool({ workers: f.workers, trace: offloadTrace });

    const measure = async (label: string, body: (client: CrawlClient, tick: (n?: number) => void) => Promise<number>, connections: number): Promise<void> => {
      await server.reset();
      const task = ctx.progress.task(`primes-db: ${label}`, f.maxNumber);
      const client = new CrawlClient(server.url, { connections });
      const t0 = performance.now();
      let saved: number;
      try {
        saved = await body(client, (n) => task.tick(n));
      } finally {
        await client.close();
        task.done();
      }
      const ms = performance.now() - t0;
      const log = await server.log();
      if (log.primes !== saved) throw new Error(`Cannot trust the ${label} run: the database holds ${log.primes} primes, ${saved} were saved`);
      runs.push({ label, run: { ms, saved, requests: log.entries.length } });
    };

    // The same warm-up on every side before the clock: the CPU part once on
    // the main thread, and in every worker (which also starts the workers and
    // loads the task module, as the book builds its Pool first).
    const warmTo = Math.min(f.maxNumber, 64);
    primesBetweenRepeated(0, warmTo, f.cpuRepeat);
    const chunk = Math.max(1, Math.ceil(f.maxNumber / 64));
    const ranges: PrimeRange[] = [];
    for (let from = 0; from < f.maxNumber; from += chunk) ranges.push({ from, to: Math.min(f.maxNumber, from + chunk), repeat: f.cpuRepeat });
    const offloadLabel = `CPU in ${f.workers === 1 ? "a worker thread" : `${f.workers} worker threads`} + Batcher`;
    try {
      await pool.map(primeTasks.primesInRange, Array.from({ length: f.workers * 2 }, () => ({ from: 0, to: warmTo, repeat: f.cpuRepeat })), { chunksize: 1 });
      // Round after round, every variant once: each is measured across the same stretch of time (and load).
      for (let round = 0; round < f.repeats && !ctx.signal.aborted; round++) {
        // CPU only: no saving, the floor of the CPU part.
        const task = ctx.progress.task("primes-db: CPU only", f.maxNumber);
        const t0 = performance.now();
        const primes = primesBetweenRepeated(0, f.maxNumber, f.cpuRepeat);
        task.tick(f.maxNumber);
        task.done();
        runs.push({ label: "CPU only (no saving)", run: { ms: performance.now() - t0, saved: primes.length, requests: 0 } });

        // Serial: each prime saved before the next number is checked.
        await measure(
          "serial",
          async (client, tick) => {
            let saved = 0;
            for (let n = 0; n < f.maxNumber; n++) {
              if (checkPrimeRepeated(n, f.cpuRepeat)) {
                await save(client, n);
                saved++;
              }
              tick();
            }
            return saved;
          },
          1,
        );

        // Batcher: saves queue up; a full batch goes out as concurrent requests while the loop goes on.
        batchTrace.clear();
        await measure(
          "Batcher",
          (client, tick) =>
            saveAll(client, batchTrace, f.batchSize, async (add) => {
              // The loop gives the event loop a turn every couple of milliseconds
              // of CPU work, so a full batch's requests go out and its answers are
              // read while the search goes on (the book's flush blocked instead).
              let lastYield = performance.now();
              for (let n = 0; n < f.maxNumber; n++) {
                if (checkPrimeRepeated(n, f.cpuRepeat)) add(n);
                tick();
                if (performance.now() - lastYield > YIELD_EVERY_MS) {
                  await yieldToLoop();
                  lastYield = performance.now();
                }
              }
            }),
          f.batchSize,
        );

        // Offloaded: the CPU work runs in worker threads; the main thread only saves, through the Batcher.
        offloadTrace.clear();
        await measure(
          offloadLabel,
          (client, tick) =>
            saveAll(client, offloadTrace, f.batchSize, async (add) => {
              let i = 0;
              for await (const found of pool.imap(primeTasks.primesInRange, ranges, { chunksize: 1, signal: ctx.signal })) {
                for (const p of found) add(p);
                const range = ranges[i++];
                if (range !== undefined) tick(range.to - range.from);
              }
            }),
          f.batchSize,
        );
      }
    } finally {
      await pool.terminate();
    }

    // One row per variant: the median of its rounds, with the range.
    const labels = [...new Set(runs.map((r) => r.label))];
    const variants = labels.map((label) => {
      const mine = runs.filter((r) => r.label === label).map((r) => r.run);
      const last = mine.at(-1) as VariantRun;
      return { label, time: spread(mine.map((m) => r1(m.ms))), saved: last.saved, requests: last.requests };
    });
    const byLabel = (label: string) => variants.find((v) => v.label === label);
    const cpuOnly = variants[0];
    const offload = variants.at(-1);
    const saved = byLabel("serial")?.saved ?? 0;
    const serialMs = byLabel("serial")?.time.median ?? Number.NaN;
    const ioFloorSerial = saved * latency;
    const cores = ctx.machine.cores || availableParallelism();
    // The offloaded CPU part can run at most `workers` (and cores) times as fast as the CPU alone on the main thread.
    const cpuSpeedup = cpuOnly === undefined || offload === undefined ? Number.NaN : Math.round((cpuOnly.time.median / offload.time.median) * 100) / 100;
    const problem = Number.isNaN(cpuSpeedup) ? undefined : measurementProblem(cpuSpeedup, f.workers, cores);
    const rows: ResultTable["rows"] = variants.map((v) => [
      v.label,
      v.saved,
      v.requests,
      formatSpread(v.time, 3, 1 / 1000),
      v.requests === 0 ? "-" : `${r1(serialMs / v.time.median)}x`,
      v === offload && problem !== undefined ? "SUSPECT" : "ok",
    ]);
    const batcherMs = byLabel("Batcher")?.time.median ?? Number.NaN;
    const offloadMs = offload?.time.median ?? Number.NaN;
    const cpuMs = cpuOnly?.time.median ?? Number.NaN;
    const speedup = serialMs / batcherMs;
    const rounds = `median of ${f.repeats} round(s)`;
    return {
      summary: `Saving ${saved} primes one at a time costs at least ${saved} × ${latency} ms = ${r3(ioFloorSerial / 1000)} s of waiting; batching ${f.batchSize} saves at a time overlaps them and ran ${r1(speedup)}x faster (${rounds}; book: 13.5x).${problem === undefined ? "" : " The offloaded run is SUSPECT (see the notes): a measurement problem, not a result."}`,
      headline: [
        { label: "serial", value: `${r3(serialMs / 1000)} s`, detail: `${saved} primes below ${f.maxNumber} (book: 55.2 s for 8192)` },
        { label: "Batcher speed-up", value: `${r1(speedup)}x`, detail: "book: 13.5x (4.09 s)" },
        { label: "CPU in a worker + Batcher", value: `${r1(serialMs / offloadMs)}x`, detail: `runtime ${r3(offloadMs / 1000)} s vs CPU alone ${r3(cpuMs / 1000)} s` },
      ],
      tables: [
        {
          title: `Primes below ${f.maxNumber} saved to a database with ${latency} ms latency`,
          columns: ["variant", "primes", "requests", "runtime s (min–max)", "speed-up vs serial", "check"],
          rows,
          caption:
            `Each runtime is the ${rounds} with (fastest–slowest), every variant once per round. The serial run waits at least primes × latency = ${r3(ioFloorSerial / 1000)} s. ` +
            `Each number is checked ${f.cpuRepeat} times so the CPU part weighs against the I/O as Python's slower arithmetic did in the book. ` +
            "SUSPECT: the offloaded CPU part ran more than its workers (or the cores) times as fast as the CPU alone, a measurement problem (see the notes).",
        },
      ],
      charts: [
        {
          kind: "bar",
          title: "Runtime by variant",
          figure: "HPP Figure 8-7",
          caption:
            `Wall time to find the primes and save every one (${rounds}, bars from the fastest to the slowest). Serial pays the database latency once per prime ` +
            `(${r3(serialMs / 1000)} s here, at least ${saved} primes × ${latency} ms of it waiting); the Batcher pays it once per batch, so the I/O nearly disappears ` +
            `and the CPU work (the 'CPU only' bar, ${r3(cpuMs / 1000)} s) is what remains (${r3(batcherMs / 1000)} s). With the CPU work in ` +
            `${f.workers} worker thread(s) the main thread only saves: ${r3(offloadMs / 1000)} s, about the CPU part divided among the workers plus the last batch's save.`,
          labels: variants.map((v) => v.label),
          series: [{ label: "seconds", values: variants.map((v) => r3(v.time.median / 1000)), errors: variants.map((v) => [r3(v.time.min / 1000), r3(v.time.max / 1000)] as [number, number]) }],
          yLabel: "seconds",
        },
      ],
      notes: [
        ...(problem === undefined ? [] : [`Measurement problem, ${offload?.label}: against the CPU alone, ${problem}.`]),
        ...(f.repeats < 3 ? [`Each variant ran ${f.repeats} time(s) only (fewer than 3): not for conclusions.`] : []),
        `The lab's default searches below ${f.maxNumber}, not 8192, to keep the run short: the serial time scales with the number of primes (${saved} here, 1028 in the book).`,
        "The book's AsyncBatcher blocks the CPU loop while a batch is sent; juggle's Batcher sends it in the background while the loop goes on (giving the event loop a turn every 2 ms of CPU work), so the saves hide behind the CPU work and the Batcher's time comes close to the 'CPU only' time plus one batch's latency.",
        "The book stops at the Batcher and says a separate process would be needed to take the I/O off the CPU's path; the offloaded variant does that with a ThreadPool. With one worker it only matches the Batcher (the I/O was already hidden); with as many workers as cores the CPU part itself shrinks.",
      ],
    };
  },
});
