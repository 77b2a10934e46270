import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync, fsyncSync, openSync, closeSync } from "node:fs";
import { open } from "node:fs/promises";
import { appendJsonlDurable, temporaryPathFor } from "../../store/atomic-write.js";
import type { GenerateStore } from "./generate-store.js";

/** One line of `synthetic.jsonl` as read back. */
interface FileRecord {
  id: string;
  line: string;
  record: Record<string, unknown>;
}

/**
 * The store key a record belongs to: the loop's records carry their round (`loop-r<round>`),
 * generate's their strategy. Lets a run whose database lost rows take its file's records back.
 */
export function recordKey(record: Record<string, unknown>): string | undefined {
  if (typeof record.round === "number") return `loop-r${record.round}`;
  return typeof record.strategy === "string" ? record.strategy : undefined;
}

/**
 * Brings `synthetic.jsonl` and the run database in line, both ways, on every start of a job
 * (`key`). The database row of an accepted record is written before its durable append and
 * flagged after it, but files and databases also get damaged on their own:
 * - a torn or unreadable line (killed mid-write, cut by hand) is dropped from the file;
 * - an id that appears twice keeps its first line;
 * - a record the database holds but the file lacks (truncated, torn, deleted) is written back;
 * - a record of this job the file holds but the database lost (its WAL or the whole database
 *   deleted) is taken back into the database, so it is neither asked for again nor lost.
 * The file is rewritten atomically only when a line must go; otherwise missing records are
 * appended. Each repair is told to `onRepair` in one line. Returns the ids in the file afterwards.
 */
export function reconcileSyntheticFile(path: string, store: GenerateStore, key: string, onRepair: (message: string) => void = () => undefined): Set<string> {
  const read = readRecords(path);
  const ids = new Set(read.records.map((record) => record.id));
  const name = "synthetic.jsonl";
  const rewrite = read.torn > 0 || read.duplicates > 0;
  if (read.torn > 0) onRepair(`${name}: dropped ${read.torn} torn or unreadable line${read.torn === 1 ? "" : "s"}`);
  if (read.duplicates > 0) onRepair(`${name}: removed ${read.duplicates} duplicate record${read.duplicates === 1 ? "" : "s"} (an id written twice)`);

  const stored = store.acceptedRecords(key);
  const known = new Set(stored.map((entry) => entry.id));
  // File → database: records of this job the database lost.
  let restored = 0;
  for (const { id, record } of read.records) {
    if (known.has(id) || recordKey(record) !== key || typeof record.attempt !== "number") continue;
    if (store.restoreAccepted(key, record.attempt, record as { id: string } & Record<string, unknown>)) restored++;
  }
  if (restored > 0) onRepair(`${name}: took ${restored} record${restored === 1 ? "" : "s"} the run database had lost back into it`);

  // Database → file: records the file lacks.
  const missing = stored.filter((entry) => !ids.has(entry.id));
  const unflagged = stored.filter((entry) => !entry.appended).length;
  const lostFromFile = stored.filter((entry) => entry.appended && !ids.has(entry.id)).length;
  if (lostFromFile > 0) onRepair(`${name}: wrote back ${lostFromFile} record${lostFromFile === 1 ? "" : "s"} the file had lost (the run database kept them)`);
  if (rewrite) {
    writeLinesAtomic(path, [...read.records.map((record) => record.line), ...missing.map((entry) => JSON.stringify(entry.record))]);
  } else if (missing.length > 0) {
    appendJsonlDurable(path, missing.map((entry) => entry.record));
  }
  for (const entry of missing) ids.add(entry.id);
  if (unflagged > 0 || missing.length > 0) for (const entry of stored) if (!entry.appended) store.markAppended(entry.id);
  return ids;
}

/**
 * Appends one accepted record and flags it in the database. The line is written at once (a killed
 * process keeps it: it is in the kernel's cache); its fsync runs in the background, one at a time
 * per file, each covering every line written before it started, so the event loop never waits on
 * the disk: a synchronous fsync per record took 2.6 ms here, half of generate's one thread at
 * 400 records/s, and every request slot idled meanwhile. {@link appendsSynced} waits until the
 * file is on disk. A machine that crashes before that loses lines the run database still holds,
 * and the next start's reconciliation writes them back.
 */
export function appendAccepted(path: string, store: GenerateStore, record: { id: string }): void {
  const failed = syncFailures.get(path);
  if (failed !== undefined) {
    syncFailures.delete(path);
    throw failed;
  }
  appendFileSync(path, JSON.stringify(record) + "\n");
  store.markAppended(record.id);
  syncSoon(path);
}

/** Per file: the background fsync running, and whether lines were written after it began. */
const syncs = new Map<string, { running: Promise<void>; dirty: boolean }>();
/** A background fsync that failed: thrown by the next append or by {@link appendsSynced}. */
const syncFailures = new Map<string, unknown>();

function syncSoon(path: string): void {
  const current = syncs.get(path);
  if (current) {
    current.dirty = true;
    return;
  }
  const state = { running: Promise.resolve(), dirty: true };
  state.running = (async () => {
    while (state.dirty) {
      state.dirty = false;
      const handle = await open(path, "r");
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  })()
    .catch((error: unknown) => void syncFailures.set(path, error))
    .finally(() => {
      syncs.delete(path);
      // A line written between the last fsync's end and now.
      if (state.dirty) syncSoon(path);
    });
  syncs.set(path, state);
}

/** Resolves once every line appended to `path` so far is on disk; rejects if an fsync failed. */
export async function appendsSynced(path: string): Promise<void> {
  for (let state = syncs.get(path); state !== undefined; state = syncs.get(path)) await state.running;
  const failed = syncFailures.get(path);
  if (failed === undefined) return;
  syncFailures.delete(path);
  throw failed;
}

/** Ids in the file (read only; repairs are {@link reconcileSyntheticFile}'s). */
export function readIds(path: string): Set<string> {
  return new Set(readRecords(path).records.map((record) => record.id));
}

function readRecords(path: string): { records: FileRecord[]; torn: number; duplicates: number } {
  const records: FileRecord[] = [];
  if (!existsSync(path)) return { records, torn: 0, duplicates: 0 };
  const text = readFileSync(path, "utf8");
  const seen = new Set<string>();
  let torn = 0;
  let duplicates = 0;
  const lines = text.split("\n");
  // A last line without its newline was cut mid-write, even if what is left parses.
  if (lines.pop() !== "") torn++;
  for (const line of lines) {
    if (line.trim() === "") continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      torn++;
      continue;
    }
    if (typeof record !== "object" || record === null || typeof record.id !== "string") {
      torn++;
      continue;
    }
    if (seen.has(record.id)) {
      duplicates++;
      continue;
    }
    seen.add(record.id);
    records.push({ id: record.id, line, record });
  }
  return { records, torn, duplicates };
}

/** Write lines to a temporary file, fsync, rename over `path`: a kill leaves the old or the new file. */
function writeLinesAtomic(path: string, lines: string[]): void {
  const temporary = temporaryPathFor(path);
  writeFileSync(temporary, lines.map((line) => line + "\n").join(""));
  const fd = openSync(temporary, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
