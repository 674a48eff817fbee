import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CancelledError,
  deserializeError,
  JuggleError,
  registerErrorClass,
  serializeError,
  TimeoutError,
  WorkerCrashedError,
} from "../../src/internal/errors.js";

function roundTrip(error: unknown): Error {
  return deserializeError(structuredClone(serializeError(error)));
}

describe("error serialization", () => {
  it("keeps class, name, message, stack and code of juggle errors", () => {
    const original = new TimeoutError("Cannot finish task as it took too long");
    const back = roundTrip(original);
    assert.ok(back instanceof TimeoutError);
    assert.ok(back instanceof JuggleError);
    assert.equal(back.name, "TimeoutError");
    assert.equal(back.message, original.message);
    assert.equal(back.stack, original.stack);
    assert.equal((back as TimeoutError).code, "ERR_JUGGLE_TIMEOUT");
  });

  it("keeps the exit code and signal of a WorkerCrashedError", () => {
    const back = roundTrip(new WorkerCrashedError("Worker died", { exitCode: 3, signal: "SIGKILL" }));
    assert.ok(back instanceof WorkerCrashedError);
    assert.equal((back as WorkerCrashedError).exitCode, 3);
    assert.equal((back as WorkerCrashedError).signal, "SIGKILL");
  });

  it("keeps user error names, own properties and causes", () => {
    class ParseError extends Error {
      line = 12;
      constructor(message: string, options?: ErrorOptions) {
        super(message, options);
        this.name = "ParseError";
      }
    }
    const original = new ParseError("bad token", { cause: new RangeError("inner") });
    Object.assign(original, { code: "E_PARSE", fn: () => 1 });
    const back = roundTrip(original) as Error & { line: number; code: string; fn: unknown };
    assert.equal(back.name, "ParseError");
    assert.equal(back.line, 12);
    assert.equal(back.code, "E_PARSE");
    assert.equal(typeof back.fn, "string", "functions become their text, never lost silently");
    assert.ok(back.cause instanceof RangeError);
    assert.equal((back.cause as Error).message, "inner");
  });

  it("wraps thrown non-errors with a message naming the value", () => {
    const back = roundTrip(42);
    assert.match(back.message, /Non-error value thrown: 42/);
    assert.equal((back as Error & { thrown: number }).thrown, 42);
  });

  it("keeps aggregated errors", () => {
    const back = roundTrip(new AggregateError([new CancelledError("a"), new TypeError("b")], "two"));
    assert.ok(back instanceof AggregateError);
    const errors = (back as AggregateError).errors;
    assert.ok(errors[0] instanceof CancelledError);
    assert.ok(errors[1] instanceof TypeError);
  });

  it("rebuilds a registered class without calling its constructor, fields from the sender", () => {
    let constructed = 0;
    class QuotaError extends JuggleError {
      readonly quota: number;
      constructor(details: { quota: number }) {
        constructed++;
        super(`Cannot take more than ${details.quota}`, "ERR_JUGGLE");
        this.quota = details.quota;
      }
    }
    registerErrorClass(QuotaError);
    registerErrorClass(QuotaError); // twice is harmless
    const back = roundTrip(new QuotaError({ quota: 5 }));
    assert.equal(constructed, 1);
    assert.ok(back instanceof QuotaError);
    assert.equal((back as QuotaError).quota, 5);
    assert.equal(back.message, "Cannot take more than 5");
  });

  it("rebuilds an unregistered JuggleError subclass as its nearest registered base, keeping its name", () => {
    class Unlisted extends CancelledError {}
    const back = roundTrip(new Unlisted("gone"));
    assert.ok(back instanceof CancelledError);
    assert.ok(!(back instanceof Unlisted));
    assert.equal(back.name, "Unlisted");
    assert.equal((back as CancelledError).code, "ERR_JUGGLE_CANCELLED");
  });

  it("accepts only codes of the one vocabulary (a type check)", () => {
    const error = new JuggleError("Cannot go on", "ERR_JUGGLE_NOT_LOCKED");
    assert.equal(error.code, "ERR_JUGGLE_NOT_LOCKED");
    // @ts-expect-error: not a JuggleErrorCode
    assert.equal(new JuggleError("x", "ERR_JUGGLE_SEMAPHORE_OVERFLOW").code, "ERR_JUGGLE_SEMAPHORE_OVERFLOW");
  });

  it("refuses a non-class, and a second class under a registered name", () => {
    assert.throws(() => registerErrorClass((() => {}) as never), { name: "TypeError", message: /must be a class extending Error/ });
    const Impostor = class TimeoutError extends Error {};
    assert.throws(() => registerErrorClass(Impostor), {
      name: "TypeError",
      message: "Cannot register error class 'TimeoutError' as another class of that name is registered",
    });
  });
});
