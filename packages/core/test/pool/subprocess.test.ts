import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CancelledError, TimeoutError } from "../../src/internal/errors.js";
import { iterCommands, runCommands } from "../../src/pool/run-commands.js";
import { CalledProcessError, CommandNotFoundError, runCommand } from "../../src/pool/subprocess.js";
import { processGone } from "./fixtures-tp/lifecycle-suite.js";

// Commands that block until the test releases them read a line from their
// own FIFO: `release(name)` writes it. No sleeps order anything here.
let dir = "";
let fifoCount = 0;
async function fifo(): Promise<string> {
  const path = join(dir, `fifo-${fifoCount++}`);
  await runCommand("mkfifo", [path], { check: true });
  return path;
}
function release(path: string): Promise<void> {
  return writeFile(path, "go\n");
}
/** A command that prints "started <pid>", waits for its FIFO, prints "got go", exits with `code`. */
function blocked(path: string, code = 0): [string, ...string[]] {
  return ["sh", "-c", `echo "started $$"; read x < "$0"; echo "got $x"; exit ${code}`, path];
}
function pidOf(output: string): number {
  const match = /started (\d+)/.exec(output);
  assert.ok(match, `no pid in ${JSON.stringify(output)}`);
  return Number(match[1]);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "juggle-subprocess-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("runCommand", () => {
  it("collects exit code, stdout and stderr, and does not reject on a non-zero exit", async () => {
    const result = await runCommand("sh", ["-c", "echo out; echo err >&2; exit 3"]);
    assert.equal(result.command, "sh");
    assert.equal(result.exitCode, 3);
    assert.equal(result.signal, null);
    assert.equal(result.stdout, "out\n");
    assert.equal(result.stderr, "err\n");
    assert.ok(processGone(result.pid));
  });

  it("check: true rejects with CalledProcessError carrying the result", async () => {
    await assert.rejects(runCommand("sh", ["-c", "echo oops >&2; exit 4"], { check: true }), (error: unknown) => {
      assert.ok(error instanceof CalledProcessError);
      assert.equal(error.code, "ERR_JUGGLE_CALLED_PROCESS");
      assert.equal(error.exitCode, 4);
      assert.equal(error.stderr, "oops\n");
      assert.equal(error.message, `Command "sh" exited with code 4`);
      return true;
    });
  });

  it("writes input to stdin; returns Buffers with encoding: 'buffer'", async () => {
    assert.equal((await runCommand("cat", [], { input: "héllo" })).stdout, "héllo");
    const bytes = await runCommand("cat", [], { input: new Uint8Array([0, 255, 1]), encoding: "buffer" });
    assert.ok(Buffer.isBuffer(bytes.stdout));
    assert.deepEqual([...bytes.stdout], [0, 255, 1]);
  });

  it("runs no shell unless asked", async () => {
    assert.equal((await runCommand("echo", ["$HOME", "a;b"])).stdout, "$HOME a;b\n");
    const shelled = await runCommand("echo $JUGGLE_X", [], { shell: true, env: { ...process.env, JUGGLE_X: "expanded" } });
    assert.equal(shelled.stdout, "expanded\n");
  });

  it("uses cwd and env", async () => {
    const result = await runCommand("sh", ["-c", 'echo "$JUGGLE_Y"; pwd'], { cwd: dir, env: { PATH: process.env.PATH, JUGGLE_Y: "y" } });
    assert.equal(result.stdout, `y\n${dir}\n`);
  });

  it("streams output to callbacks as it comes; capture: false keeps none", async () => {
    const chunks: string[] = [];
    const errs: string[] = [];
    const result = await runCommand("sh", ["-c", "echo one; echo two >&2; echo three"], {
      onStdout: (chunk) => chunks.push(chunk),
      onStderr: (chunk) => errs.push(chunk),
      capture: false,
    });
    assert.equal(chunks.join(""), "one\nthree\n");
    assert.equal(errs.join(""), "two\n");
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, "");
  });

  it("names a command that does not exist", async () => {
    await assert.rejects(runCommand("juggle-no-such-program", ["x"]), (error: unknown) => {
      assert.ok(error instanceof CommandNotFoundError);
      assert.equal(error.code, "ERR_JUGGLE_COMMAND_NOT_FOUND");
      assert.equal(error.command, "juggle-no-such-program");
      assert.equal(error.message, `Cannot run command "juggle-no-such-program" as it was not found`);
      return true;
    });
    await assert.rejects(runCommand("sh", ["-c", "true"], { cwd: join(dir, "missing") }), (error: unknown) => {
      assert.ok(!(error instanceof CommandNotFoundError), "a missing cwd is not a missing command");
      assert.match((error as Error).message, /Cannot run command "sh"/);
      assert.equal((error as { code?: string }).code, "ENOENT");
      return true;
    });
  });

  it("a timeout stops the command and rejects with TimeoutError carrying the output so far", async () => {
    await assert.rejects(runCommand("sh", ["-c", "echo partial; exec sleep 30"], { timeout: 200 }), (error: unknown) => {
      assert.ok(error instanceof TimeoutError);
      const e = error as TimeoutError & { stdout: string; signal: string; pid: number };
      assert.equal(e.message, `Command "sh" timed out after 200 ms`);
      assert.equal(e.signal, "SIGTERM");
      assert.ok(processGone(e.pid));
      return true;
    });
  });

  it("abort stops the command; one that ignores SIGTERM is killed after the grace period", async () => {
    const controller = new AbortController();
    const reason = new Error("enough");
    let pid = 0;
    const running = runCommand("sh", ["-c", `trap '' TERM; echo "started $$"; exec sleep 30`], {
      signal: controller.signal,
      killGrace: 50,
      onStdout: (chunk) => {
        pid = pidOf(chunk);
        controller.abort(reason);
      },
    });
    await assert.rejects(running, (error) => error === reason);
    assert.ok(processGone(pid));
  });

  it("an already aborted signal starts nothing", async () => {
    const reason = new Error("before");
    await assert.rejects(runCommand("juggle-no-such-program", [], { signal: AbortSignal.abort(reason) }), (e) => e === reason);
  });

  it("a throwing output callback stops the command and is its error", async () => {
    const boom = new Error("callback failed");
    await assert.rejects(
      runCommand("sh", ["-c", "echo hi; exec sleep 30"], {
        onStdout: () => {
          throw boom;
        },
      }),
      (e) => e === boom,
    );
  });

  it("refuses bad arguments, naming them", async () => {
    await assert.rejects(runCommand("" as string), { name: "TypeError", message: `Cannot run command as 'command' must be a non-empty string: received ""` });
    await assert.rejects(runCommand("echo", [1 as never]), { name: "TypeError", message: /'args' must be an array of strings/ });
    await assert.rejects(runCommand("echo", [], { timeout: -1 }), { name: "RangeError", message: /'timeout' must be a positive number of milliseconds or Infinity: received -1/ });
    await assert.rejects(runCommand("echo", [], { encoding: "latin1" as never }), { name: "RangeError", message: /'encoding' must be "utf8" or "buffer": received "latin1"/ });
    await assert.rejects(runCommand("echo", [], { input: 5 as never }), { name: "TypeError", message: /'input' must be a string or a Uint8Array: received 5/ });
    await assert.rejects(runCommand("echo", [], { onStdout: "x" as never }), { name: "TypeError", message: /'onStdout' must be a function/ });
    await assert.rejects(runCommand("echo", [], { signal: {} as never }), { name: "TypeError", message: /'signal' must be an AbortSignal/ });
    await assert.rejects(runCommand("echo", [], { killSignal: "SIGNOPE" as never }), { name: "TypeError", message: /'killSignal' must be a signal name: received "SIGNOPE"/ });
    await assert.rejects(runCommand("echo", ["a\0b"]), { name: "TypeError", code: "ERR_INVALID_ARG_VALUE" });
    await assert.rejects(runCommands([["echo", "ok"], ["echo", "a\0b"]], { concurrency: 1 }), { code: "ERR_INVALID_ARG_VALUE" });
  });
});

describe("runCommands", () => {
  it("returns results in input order, whatever order they finish in", async () => {
    const gate = await fifo();
    const results = await runCommands([blocked(gate), ["echo", "one"]], {
      concurrency: 2,
      onStdout: (chunk, index) => {
        if (index === 1) void release(gate);
      },
    });
    assert.deepEqual(
      results.map((r) => r.stdout.replace(/\d+/, "N")),
      ["started N\ngot go\n", "one\n"],
    );
  });

  it("runs exactly `concurrency` commands at once while enough are left", async () => {
    const gates = await Promise.all([fifo(), fifo(), fifo(), fifo(), fifo()]);
    const running: number[] = [];
    let maxRunning = 0;
    let started = 0;
    const releases: Promise<void>[] = [];
    for await (const event of iterCommands(gates.map((g) => blocked(g)), { concurrency: 2 })) {
      if (event.type === "stdout" && event.data.startsWith("started")) {
        started++;
        running.push(event.index);
        maxRunning = Math.max(maxRunning, running.length);
        // Release the oldest only when the limit is reached (or nothing else
        // can start): an unbounded runner would show 3 running here.
        if (running.length === 2 || started === gates.length) releases.push(release(gates[running[0]]));
      } else if (event.type === "exit") {
        running.splice(running.indexOf(event.index), 1);
        assert.ok(processGone(event.result.pid));
        if (started === gates.length) for (const i of running) releases.push(release(gates[i]));
      } else if (event.type === "error") {
        throw event.error;
      }
    }
    await Promise.all(releases);
    assert.equal(maxRunning, 2);
    assert.equal(started, 5);
  });

  it("a failing command stops the others, starts no more, and is the error", async () => {
    const gate0 = await fifo();
    const gate1 = await fifo();
    const seen = new Map<number, string>();
    const promise = runCommands([blocked(gate0), { command: "sh", args: blocked(gate1, 5).slice(1) }, ["echo", "never"]], {
      concurrency: 2,
      check: true,
      onStdout: (chunk, index) => {
        seen.set(index, (seen.get(index) ?? "") + chunk);
        if (seen.has(0) && seen.has(1) && index <= 1 && chunk.startsWith("started")) void release(gate1);
      },
    });
    await assert.rejects(promise, (error) => error instanceof CalledProcessError && error.exitCode === 5);
    assert.equal(seen.has(2), false, "the third command never started");
    assert.ok(processGone(pidOf(seen.get(0) ?? "")));
  });

  it("returnErrors puts each error in its place", async () => {
    const results = await runCommands([["juggle-no-such-program"], ["echo", "ok"]], { returnErrors: true });
    assert.ok(results[0] instanceof CommandNotFoundError);
    assert.equal((results[1] as { stdout: string }).stdout, "ok\n");
  });

  it("abort stops every running command and rejects with the reason", async () => {
    const gates = [await fifo(), await fifo()];
    const controller = new AbortController();
    const pids: number[] = [];
    const promise = runCommands(gates.map((g) => blocked(g)), {
      concurrency: 2,
      signal: controller.signal,
      onStdout: (chunk) => {
        pids.push(pidOf(chunk));
        if (pids.length === 2) controller.abort(new CancelledError("stop"));
      },
    });
    await assert.rejects(promise, { name: "CancelledError", message: "stop" });
    assert.ok(pids.every(processGone));
  });

  it("per-command input and options override the shared ones", async () => {
    const results = await runCommands([{ command: "cat", input: "a" }, { command: "cat", input: "b" }, ["pwd"]], { cwd: dir });
    assert.deepEqual(results.map((r) => r.stdout), ["a", "b", `${dir}\n`]);
    assert.deepEqual(await runCommands([]), []);
  });

  it("refuses bad arguments, naming them", async () => {
    await assert.rejects(runCommands([["echo"]], { concurrency: 0 }), { name: "RangeError", message: /'concurrency' must be a positive integer or Infinity: received 0/ });
    await assert.rejects(runCommands([["echo"], { command: "echo", args: "x" as never }]), {
      name: "TypeError",
      message: /'commands\[1\]\.args' must be an array of strings: received "x"/,
    });
    await assert.rejects(runCommands([5 as never]), { name: "TypeError", message: /'commands\[0\]' must be an array or an object: received 5/ });
    await assert.rejects(runCommands(5 as never), { name: "TypeError", message: /'commands' must be an iterable/ });
  });
});

describe("iterCommands", () => {
  it("yields output and exits as they happen; a slow consumer loses nothing", async () => {
    let bytes = 0;
    const exits: number[] = [];
    for await (const event of iterCommands([["head", "-c", "1000000", "/dev/zero"], ["echo", "small"]], { concurrency: 2, capture: false })) {
      if (event.type === "stdout" && event.index === 0) {
        bytes += event.data.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (event.type === "exit") exits.push(event.index);
    }
    assert.equal(bytes, 1_000_000);
    assert.deepEqual(exits.sort(), [0, 1]);
  });

  it("leaving the loop early stops the running commands", async () => {
    const gates = [await fifo(), await fifo()];
    let pid = 0;
    for await (const event of iterCommands(gates.map((g) => blocked(g)), { concurrency: 1 })) {
      if (event.type === "stdout") {
        pid = pidOf(event.data);
        break;
      }
    }
    assert.ok(pid > 0);
    assert.ok(processGone(pid));
  });
});
