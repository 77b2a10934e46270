import type { Example } from "../../core/example.js";
import { type OutputRecord, toJsonlLines } from "../../data/write-dataset.js";
import { atomicWriteLines } from "../../store/atomic-write.js";
import type { GenerateStore } from "../generate/generate-store.js";

/** The generate-store key of a round's examples. */
export const roundKey = (round: number) => `loop-r${round}`;

/** Accepted records of rounds 1..round, in (round, attempt) order: the same order on every run. */
export function loopRecords(store: GenerateStore, round: number): OutputRecord[] {
  const records: OutputRecord[] = [];
  for (let r = 1; r <= round; r++) for (const stored of store.acceptedRecords(roundKey(r))) records.push(stored.record as OutputRecord);
  return records;
}

/**
 * Writes a round's training data as chat JSONL (what TRL, Axolotl and OpenAI fine-tuning read):
 * this round's and every earlier round's generated examples, plus the real seed examples when
 * asked to mix them in. Rewritten whole and atomically, so a trainer never sees half a file.
 * Returns the counts per source (the report's data mix).
 */
export async function writeTrainingFile(path: string, store: GenerateStore, round: number, options: { seeds?: readonly Example[]; systemPrompt?: string } = {}): Promise<{ examples: number; mix: Record<string, number> }> {
  const generated = loopRecords(store, round);
  const seeds: OutputRecord[] = (options.seeds ?? []).map((example) => ({ id: example.id, question: example.question, answer: example.answer, source: "seed" }));
  const all = [...seeds, ...generated];
  await atomicWriteLines(path, toJsonlLines(all, "chat", { systemPrompt: options.systemPrompt }));
  return { examples: all.length, mix: mixOf(all) };
}

/** Examples per source, with the round for generated ones: `seed`, `active r1`, `s3-error r2`… */
export function mixOf(records: readonly OutputRecord[]): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const record of records) {
    const label = record.source === "seed" ? "seed" : `${String(record.source)} r${String(record.round)}`;
    mix[label] = (mix[label] ?? 0) + 1;
  }
  return mix;
}
