import type { Database, Statement } from "better-sqlite3";
import { failureReason } from "../engines/http/request-failure.js";
import { redact } from "../engines/http/redact.js";

/** One item (a generate attempt, a benchmark item) whose request could not be answered. */
export interface FailedItem {
  item: number;
  /** Short code from `failureReason` ("timeout", "server-error", …). */
  reason: string;
  /** The error's message (already redacted by the engine; redacted again here). */
  detail: string;
  /** How many invocations it failed in. */
  failures: number;
  failedAt: string;
}

/**
 * Failed items of a stage, kept apart from its results: a failed generate attempt gets no row in
 * `generate_attempts` and a failed benchmark item none in `evaluation_items`, so neither counts as
 * decided and a rerun tries it again; this table says why it failed meanwhile. Created on first
 * use (an older run simply has none), and a later success removes the item's row.
 */
export class ItemFailures {
  private readonly statements: {
    record: Statement<unknown[]>;
    clear: Statement<unknown[]>;
    list: Statement<unknown[]>;
  };

  constructor(db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS item_failures (
      stage TEXT NOT NULL, job TEXT NOT NULL, item INTEGER NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
      failures INTEGER NOT NULL DEFAULT 1, failed_at TEXT NOT NULL, PRIMARY KEY (stage, job, item))`);
    this.statements = {
      record: db.prepare(
        `INSERT INTO item_failures (stage, job, item, reason, detail, failures, failed_at) VALUES (?, ?, ?, ?, ?, 1, ?)
         ON CONFLICT(stage, job, item) DO UPDATE SET reason = excluded.reason, detail = excluded.detail, failures = failures + 1, failed_at = excluded.failed_at`,
      ),
      clear: db.prepare("DELETE FROM item_failures WHERE stage = ? AND job = ? AND item = ?"),
      list: db.prepare("SELECT item, reason, detail, failures, failed_at AS failedAt FROM item_failures WHERE stage = ? AND job = ? ORDER BY item"),
    };
  }

  record(stage: string, job: string, item: number, error: unknown): FailedItem {
    const detail = redact(error instanceof Error ? error.message : String(error), []);
    const reason = failureReason(error);
    this.statements.record.run(stage, job, item, reason, detail, new Date().toISOString());
    return { item, reason, detail, failures: 1, failedAt: new Date().toISOString() };
  }

  clear(stage: string, job: string, item: number): void {
    this.statements.clear.run(stage, job, item);
  }

  list(stage: string, job: string): FailedItem[] {
    return this.statements.list.all(stage, job) as FailedItem[];
  }
}
