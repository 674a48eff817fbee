import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { measurementProblem } from "../src/measurement-check.js";

describe("measurementProblem", () => {
  it("flags a speed-up above the core count", () => {
    assert.match(measurementProblem(2.46, 2, 2) ?? "", /above the 2 cores/);
    assert.equal(measurementProblem(2, 2, 2), undefined);
    assert.equal(measurementProblem(1.9, 4, 2), undefined);
  });

  it("flags one worker more than 10% faster than serial, and nothing below", () => {
    assert.match(measurementProblem(1.28, 1, 2) ?? "", /one worker ran 1.28x/);
    assert.equal(measurementProblem(1.1, 1, 2), undefined);
    assert.equal(measurementProblem(0.8, 1, 2), undefined);
  });
});
