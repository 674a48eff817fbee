/**
 * `primes-db`: HPP chapter 8's database example. Primes are found by trial
 * division and each one is saved to a slow "database" (the delay server's
 * `/add?prime=N`, 50 ms per save): one save at a time, through juggle's
 * `Batcher` (the book's `AsyncBatcher`), and with the CPU work in a worker
 * thread while the main thread only saves.
 *
 * @module
 */
import { Batcher } from "../../async/batcher.js";
import { defineExperiment, type ResultTable } from "../experiment.js";
import { HttpClient } from "../http-client.js";
import { checkPrimeRepeated, primesBetweenRepeated } from "../tasks/primes-db.js";

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Gives the event loop a turn (lets sent requests' answers in). */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function save(client: HttpClient, prime: number): Promise<void> {
  const res = await client.get(`/add?prime=${prime}`);
  if (res.status !== 200) throw new Error(`Cannot save prime ${prime}: status ${res.status} ${res.body}`);
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
    maxNumber: { type: "integer", default: 2048, quick: 128, min: 3, max: 10_000_000, description: "find primes below this (book: 8192)" },
    batchSize: { type: "integer", default: 100, quick: 10, min: 1, max: 100_000, description: "saves per batch (book: 100)" },
    cpuRepeat: { type: "integer", default: 50_000, quick: 1000, min: 1, max: 10_000_000, description: "times each number is checked, so the CPU part weighs as Python's did" },
    workers: { type: "integer", default: 1, min: 1, max: 64, description: "worker threads for the offloaded variant" },
  },
  async run(ctx) {
    const f = ctx.flags;
    const server = await ctx.delayServer();
    const latency = server.dbLatency;
    const runs: { label: string; run: VariantRun }[] = [];

    const measure = async (label: string, body: (client: HttpClient, tick: () => void) => Promise<number>, connections: number): Promise<void> => {
      await server.reset();
      const task = ctx.progress.task(`primes-db: ${label}`, f.maxNumber);
      const client = new HttpClient(server.url, { connections });
      const t0 = performance.now();
      let saved: number;
      try {
        saved = await body(client, () => task.tick());
      } finally {
        client.close();
        task.done();
      }
      const ms = performance.now() - t0;
      const log = await server.log();
      if (log.primes !== saved) throw new Error(`Cannot trust the ${label} run: the database holds ${log.primes} primes, ${saved} were saved`);
      runs.push({ label, run: { ms, saved, requests: log.entries.length } });
    };

    // CPU only: no saving, the floor of the CPU part.
    {
      const task = ctx.progress.task("primes-db: CPU only", f.maxNumber);
      const t0 = performance.now();
      const primes = primesBetweenRepeated(0, f.maxNumber, f.cpuRepeat);
      task.tick(f.maxNumber);
      task.done();
      runs.push({ label: "CPU only (no saving)", run: { ms: performance.now() - t0, saved: primes.length, requests: 0 } });
    }

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
    await measure(
      "Batcher",
      async (client, tick) => {
        const batcher = new Batcher<number, void>({
          handler: (primes) => Promise.all(primes.map((p) => save(client, p))),
          size: f.batchSize,
          delay: Number.POSITIVE_INFINITY,
          concurrency: 1,
        });
        const pending: Promise<void>[] = [];
        try {
          for (let n = 0; n < f.maxNumber; n++) {
            if (checkPrimeRepeated(n, f.cpuRepeat)) {
              pending.push(batcher.add(n));
              // A full batch was handed to the handler: let its requests go out.
              if (pending.length % f.batchSize === 0) await yieldToLoop();
            }
            tick();
          }
          await batcher.close();
          await Promise.all(pending);
        } finally {
          await batcher.close();
        }
        return pending.length;
      },
      f.batchSize,
    );

    const saved = runs.find((r) => r.label === "serial")?.run.saved ?? 0;
    const serialMs = runs.find((r) => r.label === "serial")?.run.ms ?? Number.NaN;
    const ioFloorSerial = saved * latency;
    const rows: ResultTable["rows"] = runs.map(({ label, run }) => [
      label,
      run.saved,
      run.requests,
      r3(run.ms / 1000),
      label.startsWith("CPU") ? "-" : `${r1(serialMs / run.ms)}x`,
    ]);
    const batcherMs = runs.find((r) => r.label === "Batcher")?.run.ms ?? Number.NaN;
    const speedup = serialMs / batcherMs;
    return {
      summary: `Saving ${saved} primes one at a time costs at least ${saved} × ${latency} ms = ${r3(ioFloorSerial / 1000)} s of waiting; batching ${f.batchSize} saves at a time overlaps them and ran ${r1(speedup)}x faster (book: 13.5x).`,
      headline: [
        { label: "serial", value: `${r3(serialMs / 1000)} s`, detail: `${saved} primes below ${f.maxNumber} (book: 55.2 s for 8192)` },
        { label: "Batcher speed-up", value: `${r1(speedup)}x`, detail: "book: 13.5x (4.09 s)" },
      ],
      tables: [
        {
          title: `Primes below ${f.maxNumber} saved to a database with ${latency} ms latency`,
          columns: ["variant", "primes", "requests", "runtime s", "speed-up vs serial"],
          rows,
          caption: `The serial run waits at least primes × latency = ${r3(ioFloorSerial / 1000)} s. Each number is checked ${f.cpuRepeat} times so the CPU part weighs against the I/O as Python's slower arithmetic did in the book.`,
        },
      ],
      charts: [
        {
          kind: "bar",
          title: "Runtime by variant",
          figure: "HPP Figure 8-7",
          caption: "Wall time to find the primes and save every one. Serial pays the database latency once per prime; the Batcher pays it once per batch, so the I/O nearly disappears and the CPU work (the 'CPU only' bar) is what remains. Moving the CPU work to a worker thread lets the saving overlap it completely.",
          labels: runs.map((r) => r.label),
          series: [{ label: "seconds", values: runs.map((r) => r3(r.run.ms / 1000)) }],
          yLabel: "seconds",
        },
      ],
      notes: [
        `The lab's default searches below ${f.maxNumber}, not 8192, to keep the run short: the serial time scales with the number of primes (${saved} here, 1028 in the book).`,
        "The book's AsyncBatcher blocks the CPU loop while a batch is sent; juggle's Batcher sends it in the background and the loop goes on, so batching beats the book's 13.5x whenever the CPU work is large enough to hide the saves.",
      ],
    };
  },
});
