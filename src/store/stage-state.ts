import type { Database } from "better-sqlite3";
import { RunStateError } from "../core/errors.js";
import { canonicalJson } from "./canonical-json.js";

/** A row of the `stages` table, decoded. */
export interface StageRecord {
  name: string;
  status: "running" | "done";
  params: Record<string, unknown> | undefined;
  startedAt?: string;
  finishedAt?: string;
}

/** What {@link beginStage} found: a fresh stage, one to continue, or one already finished. */
export type StageBegin = "new" | "resume" | "done";

interface StageRow {
  name: string;
  status: string;
  params: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/** The recorded state of stage `name`, or undefined if it never started in this run. */
export function getStage(db: Database, name: string): StageRecord | undefined {
  const row = db.prepare("SELECT name, status, params, started_at, finished_at FROM stages WHERE name = ?").get(name) as
    | StageRow
    | undefined;
  if (row === undefined) return undefined;
  return {
    name: row.name,
    status: row.status === "done" ? "done" : "running",
    params: row.params === null ? undefined : storedParams(db, row.name, row.params),
    startedAt: row.started_at ?? undefined,
    finishedAt: row.finished_at ?? undefined,
  };
}

/**
 * Marks stage `name` as running with `params` (only what changes the stage's result: model,
 * grid size, seed… not batch sizes or concurrency). If the stage ran before in this run with
 * other params, resuming would mix two different results, so it is refused with the keys that
 * differ. Returns "done" when the stage already finished with the same params (skip it),
 * "resume" when it started but did not finish (continue it), "new" otherwise.
 *
 * @param label the run directory, for the error message.
 */
export function beginStage(db: Database, name: string, params: Record<string, unknown>, label = db.name): StageBegin {
  const canonical = canonicalJson(params);
  return db
    .transaction((): StageBegin => {
      const previous = getStage(db, name);
      if (previous !== undefined) {
        const differences = differingKeys(previous.params ?? {}, params);
        if (differences.length > 0) {
          const detail = differences
            .map((key) => `${key}: ${canonicalJson(previous.params?.[key]) ?? "unset"} → ${canonicalJson(params[key]) ?? "unset"}`)
            .join("; ");
          throw new RunStateError(
            "run-params-changed",
            `run ${label}: stage "${name}" was run with different settings (${detail}); use a new run directory or the earlier settings`,
          );
        }
        if (previous.status === "done") return "done";
        return "resume";
      }
      db.prepare("INSERT INTO stages (name, status, params, started_at) VALUES (?, 'running', ?, ?)").run(
        name,
        canonical,
        new Date().toISOString(),
      );
      return "new";
    })
    .immediate();
}

/** Marks stage `name` finished. */
export function finishStage(db: Database, name: string): void {
  const result = db.prepare("UPDATE stages SET status = 'done', finished_at = ? WHERE name = ?").run(new Date().toISOString(), name);
  if (result.changes === 0) throw new RunStateError("run-stage-unknown", `stage "${name}" was never begun in this run`);
}

/** A params column that is not a JSON object means the database was edited or damaged: say where. */
function storedParams(db: Database, name: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RunStateError("run-state-corrupt", `run ${db.name}: stage "${name}": stages.params is not a JSON object; use a new run directory`);
  }
  return value as Record<string, unknown>;
}

function differingKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.filter((key) => canonicalJson(before[key]) !== canonicalJson(after[key]));
}
