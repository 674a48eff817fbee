import { InlineExecutor } from "../../src/pool/inline-executor.js";
import { executorConformance } from "juggle-testing/conformance";

executorConformance("InlineExecutor", { isolated: false, sharedMemory: true, workerOptions: false }, (options) => {
  const { trace } = options ?? {};
  return new InlineExecutor({ trace });
});
