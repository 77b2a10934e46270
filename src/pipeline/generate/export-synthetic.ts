import { toJsonlLines, type OutputRecord, type OutputShape } from "../../data/write-dataset.js";
import { atomicWriteLines } from "../../store/atomic-write.js";
import type { Run } from "../../store/run.js";
import { GenerateStore } from "./generate-store.js";

/**
 * Writes a strategy's accepted records as a fine-tuning file in the run directory:
 * `synthetic-<strategy>.<shape>.jsonl` (chat or Alpaca for trainers, plain with provenance).
 * Rewritten whole and atomically, so it always matches the records accepted so far.
 */
export async function exportSynthetic(run: Run, strategy: string, shape: OutputShape, options: { systemPrompt?: string } = {}): Promise<{ path: string; records: number }> {
  const records = new GenerateStore(run.db).acceptedRecords(strategy).map((stored) => stored.record as OutputRecord);
  const path = run.path(`synthetic-${strategy}.${shape}.jsonl`);
  await atomicWriteLines(path, toJsonlLines(records, shape, { systemPrompt: options.systemPrompt }));
  return { path, records: records.length };
}
