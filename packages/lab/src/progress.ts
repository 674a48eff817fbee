/**
 * Progress for long lab runs: bars (cli-progress) on a terminal, plain
 * progress lines when output goes to a file or a pipe, nothing in tests.
 *
 * @module
 */
import cliProgress from "cli-progress";

/** One piece of work with a known size. */
export interface ProgressTask {
  /** Adds `n` (default 1) units done. */
  tick(n?: number): void;
  /** Marks the work finished. */
  done(): void;
}

/** Where an experiment reports progress. */
export interface Progress {
  /** Starts a task of `total` units, e.g. `task("crawl: serial", 50)`. */
  task(label: string, total: number): ProgressTask;
  /** A line of text (printed above the bars on a terminal). */
  log(message: string): void;
  /** Removes the bars; call once at the end. */
  stop(): void;
}

/** A progress that shows nothing. */
export function silentProgress(): Progress {
  const task: ProgressTask = { tick() {}, done() {} };
  return { task: () => task, log() {}, stop() {} };
}

/**
 * Plain lines: one when a task starts, one at each quarter, one when it
 * ends (with its wall time). For logs and CI.
 */
export function lineProgress(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Progress {
  return {
    task(label, total) {
      const started = performance.now();
      let value = 0;
      let quarter = 0;
      let finished = false;
      write(`${label}: started (${total})`);
      return {
        tick(n = 1) {
          value += n;
          const q = total > 0 ? Math.floor((value / total) * 4) : 4;
          if (q > quarter && q < 4) {
            quarter = q;
            write(`${label}: ${value}/${total}`);
          }
        },
        done() {
          if (finished) return;
          finished = true;
          write(`${label}: done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
        },
      };
    },
    log: write,
    stop() {},
  };
}

/**
 * Bars on a terminal (stderr), one per running task, removed when done. The
 * bar set exists only while a task runs, so what the lab prints between
 * tasks (the result tables) is never drawn over.
 */
export function barProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let multi: cliProgress.MultiBar | undefined;
  let active = 0;
  const open = (): cliProgress.MultiBar => {
    multi ??= new cliProgress.MultiBar(
      {
        stream,
        format: " {bar} {percentage}% | {value}/{total} | {label}",
        hideCursor: true,
        clearOnComplete: true,
        stopOnComplete: false,
        etaBuffer: 50,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    return multi;
  };
  return {
    task(label, total) {
      const bars = open();
      const bar = bars.create(Math.max(1, total), 0, { label });
      active++;
      let finished = false;
      return {
        tick(n = 1) {
          if (!finished) bar.increment(n);
        },
        done() {
          if (finished) return;
          finished = true;
          bars.remove(bar);
          if (--active === 0 && multi === bars) {
            bars.stop();
            multi = undefined;
          }
        },
      };
    },
    log(message) {
      if (multi !== undefined) multi.log(`${message}\n`);
      else stream.write(`${message}\n`);
    },
    stop() {
      multi?.stop();
      multi = undefined;
      active = 0;
    },
  };
}

/** Bars when stderr is a terminal, plain lines otherwise. */
export function autoProgress(): Progress {
  return process.stderr.isTTY ? barProgress() : lineProgress();
}
