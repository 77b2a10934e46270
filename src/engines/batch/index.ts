/** Batch files: pending requests out as OpenAI Batch JSONL, result lines back into the request cache. */
export { exportBatch, OPENAI_MAX_BYTES_PER_FILE, OPENAI_MAX_LINES_PER_FILE } from "./export-batch.js";
export type { BatchFileInfo, ExportBatchOptions, ExportBatchResult } from "./export-batch.js";
export { importBatch } from "./import-batch.js";
export type { ImportBatchOptions, ImportBatchResult } from "./import-batch.js";
export { vllmRunBatchServes } from "./batch-line.js";
export type { BatchRequestLine, BatchResultLine } from "./batch-line.js";
