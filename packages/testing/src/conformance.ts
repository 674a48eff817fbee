/**
 * One executor contract, run against every executor (like CPython's
 * `create_executor_tests`): `inline.test.ts`, `thread-pool.test.ts`,
 * `process-pool.test.ts` of the core, and `conformance.test.ts` of the Redis
 * package (RedisPool)
 * call {@link executorConformance}. Every test starts at most 2 workers and
 * closes or terminates its executor.
 */
import { describe } from "node:test";
import type { WorkerPoolOptions } from "juggle-core";
import { bufferConformance } from "./conformance/buffersize.js";
import { type Capabilities, type Factory } from "./conformance/context.js";
import { failuresContract } from "./conformance/failures.js";
import { lifecycleContract } from "./conformance/lifecycle.js";
import { resultsContract } from "./conformance/results.js";
import { argumentIsolation } from "./isolation.js";

export { type Capabilities, type Factory, t, tasksModule, waitUntil } from "./conformance/context.js";

/**
 * Registers the executor contract tests for one backend.
 *
 * @param name The backend's name, in the test titles.
 * @param caps What the backend can do (the tests that do not apply are skipped).
 * @param make Makes a new executor; the suite closes or terminates each one.
 */
export function executorConformance(name: string, caps: Capabilities, make: Factory): void {
  bufferConformance(name, make);
  describe(`${name} (executor conformance)`, () => {
    const suite = { caps, make, two: (options: WorkerPoolOptions = {}) => make({ workers: 2, ...options }) };
    resultsContract(suite);
    failuresContract(suite);
    lifecycleContract(suite);
  });
  argumentIsolation(name, caps, make);
}
