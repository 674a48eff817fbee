// CommonJS: require() of the ESM-only core (Node >= 22.12 loads ES modules
// without top-level await through require).
const assert = require("node:assert/strict");
const core = require("juggle-core");
const shared = require("juggle-core/shared-memory");
const executor = require("juggle-core/executor");

assert.equal(typeof core.ThreadPool, "function");
assert.equal(typeof core.Semaphore, "function");
assert.equal(typeof shared.Value, "function");
assert.equal(typeof executor.BaseExecutor, "function");

const semaphore = new core.Semaphore(1);
semaphore.acquire().then(() => {
  assert.equal(semaphore.locked, true);
  semaphore.release();
  console.log("require(): juggle-core, juggle-core/shared-memory and juggle-core/executor load");
});
