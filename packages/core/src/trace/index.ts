/** Task tracing and export. @module */
export type { TraceEvent, TraceJSON, TraceRecorderOptions } from "./recorder.js";
export { TraceRecorder } from "./recorder.js";
