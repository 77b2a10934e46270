import { existsSync, readFileSync, truncateSync } from "node:fs";
import { InputError } from "../../core/errors.js";
import { appendJsonlDurable } from "../../store/atomic-write.js";
import type { GenerateStore } from "./generate-store.js";

/**
 * Brings `synthetic.jsonl` in line with the run database after a crash. The database row of an
 * accepted record is written before its durable append and flagged after it, so after a kill:
 * a partial last line (killed mid-write) is cut off, and a record flagged "not appended" is
 * appended only if its id is not already in the file. Nothing is lost, nothing is doubled.
 * Returns the ids in the file afterwards.
 */
export function reconcileSyntheticFile(path: string, store: GenerateStore, strategy: string): Set<string> {
  const ids = readIds(path);
  for (const stored of store.acceptedRecords(strategy)) {
    if (stored.appended) continue;
    if (!ids.has(stored.id)) {
      appendJsonlDurable(path, [stored.record]);
      ids.add(stored.id);
    }
    store.markAppended(stored.id);
  }
  return ids;
}

/** Appends one accepted record durably and flags it in the database. */
export function appendAccepted(path: string, store: GenerateStore, record: { id: string }): void {
  appendJsonlDurable(path, [record]);
  store.markAppended(record.id);
}

/** Ids in the file, after cutting an unterminated last line. */
export function readIds(path: string): Set<string> {
  const ids = new Set<string>();
  if (!existsSync(path)) return ids;
  const bytes = readFileSync(path);
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end < bytes.length) truncateSync(path, end);
  const lines = bytes.subarray(0, end).toString("utf8").split("\n");
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      const id = (JSON.parse(line) as { id?: unknown }).id;
      if (typeof id === "string") ids.add(id);
    } catch (error) {
      throw new InputError("synthetic-file", `${path}:${index + 1}: not a JSON record (${(error as Error).message}); was the file edited by hand?`, { file: path, line: index + 1 });
    }
  });
  return ids;
}
