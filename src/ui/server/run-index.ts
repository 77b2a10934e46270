import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { Database } from "better-sqlite3";
import { openRun, RUN_DATABASE_FILE } from "../../store/index.js";
import { isAlive, LOCK_FILE } from "../../store/run-lock.js";

/** A run directory as the UI lists it. */
export interface RunSummary {
  /** Path below the UI's root, with `/` separators: the run's id in URLs. */
  id: string;
  /** The command that made it (`map`, `generate`, `eval`, `loop`…), from its first event. */
  kind: string;
  dataset: string | null;
  student: string | null;
  state: "running" | "done" | "stopped";
  /** Why it is not running any more, when it did not finish: the last warning or error it logged. */
  reason: string | null;
  lastActivity: string | null;
  stages: Array<{ name: string; status: string }>;
  /** Report pages in the run directory. */
  pages: string[];
}

const MAX_DEPTH = 3;

/** Run directories (holding `gapfill.db`) under `root`, at most three levels down, newest activity first. */
export async function listRuns(root: string): Promise<RunSummary[]> {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (existsSync(join(dir, RUN_DATABASE_FILE))) {
      found.push(dir);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith(".") || entry === "node_modules") continue;
      const path = join(dir, entry);
      try {
        if (statSync(path).isDirectory()) walk(path, depth + 1);
      } catch {
        // Vanished or unreadable: not a run we can show.
      }
    }
  };
  walk(resolve(root), 0);
  const summaries = await Promise.all(found.map((dir) => summarizeRun(root, dir)));
  return summaries
    .filter((summary): summary is RunSummary => summary !== undefined)
    .sort((a, b) => (b.lastActivity ?? "").localeCompare(a.lastActivity ?? ""));
}

/** The run at `id` under `root`, or undefined when `id` leaves the root or holds no run. */
export function resolveRunDir(root: string, id: string): string | undefined {
  const base = resolve(root);
  const dir = resolve(base, id);
  if (dir !== base && !dir.startsWith(base + sep)) return undefined;
  return existsSync(join(dir, RUN_DATABASE_FILE)) ? dir : undefined;
}

/** Reads one run, read-only (a writer may hold its lock meanwhile: SQLite WAL lets both go on). */
export async function summarizeRun(root: string, dir: string): Promise<RunSummary | undefined> {
  let run;
  try {
    run = await openRun(dir, { command: "ui", readonly: true });
  } catch {
    // Not readable as a run (another schema, a half-made directory): not listed.
    return undefined;
  }
  try {
    const db = run.db;
    const first = db.prepare("SELECT payload FROM events WHERE type = 'run-open' ORDER BY id LIMIT 1").pluck().get() as string | undefined;
    const kind = first ? ((JSON.parse(first) as { command?: string }).command ?? "run") : "run";
    const last = db.prepare("SELECT at FROM events ORDER BY id DESC LIMIT 1").pluck().get() as string | undefined;
    const stages = (db.prepare("SELECT name, status FROM stages ORDER BY started_at").all() as Array<{ name: string; status: string }>).map((row) => ({ name: row.name, status: row.status }));
    const running = lockHolderAlive(dir);
    const closed = db.prepare("SELECT type FROM events ORDER BY id DESC LIMIT 1").pluck().get() === "run-close";
    const unfinished = stages.some((stage) => stage.status !== "done");
    const state: RunSummary["state"] = running ? "running" : unfinished || !closed ? "stopped" : "done";
    return {
      id: relative(resolve(root), dir).split(sep).join("/") || ".",
      kind,
      dataset: meta(db, "dataset") ?? datasetOfMap(dir),
      student: meta(db, "student"),
      state,
      reason: state === "stopped" ? lastWarning(db) : null,
      lastActivity: last ?? null,
      stages,
      pages: readdirSync(dir).filter((file) => file.endsWith(".html")).sort(),
    };
  } finally {
    run.close();
  }
}

function meta(db: Database, key: string): string | null {
  return (db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined) ?? null;
}

function datasetOfMap(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, "map.json"), "utf8")) as { dataset?: string }).dataset ?? null;
  } catch {
    return null;
  }
}

function lastWarning(db: Database): string | null {
  const payload = db.prepare("SELECT payload FROM events WHERE type = 'progress' AND payload LIKE '%\"warning\"%' ORDER BY id DESC LIMIT 1").pluck().get() as string | undefined;
  if (!payload) return null;
  return (JSON.parse(payload) as { message?: string }).message ?? null;
}

function lockHolderAlive(dir: string): boolean {
  try {
    const info = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as { pid?: number };
    return typeof info.pid === "number" && isAlive(info.pid);
  } catch {
    return false;
  }
}
