import type { Database, Statement } from "better-sqlite3";

import type { RejectionReason } from "../../strategies/task/teacher-task.js";
import { ItemFailures } from "../item-failures.js";

export { REJECTION_REASONS, type RejectionReason } from "../../strategies/task/teacher-task.js";

/** Teacher cost of one attempt (all its requests: the example, and the verification if any). */
export interface AttemptUsage {
  promptTokens: number;
  completionTokens: number;
  requests: number;
  /** Requests answered from the run's cache (a resumed attempt whose answer had arrived). */
  cached: number;
}

/** One accepted record, as stored before and after its append to synthetic.jsonl. */
export interface StoredRecord {
  id: string;
  attempt: number;
  record: Record<string, unknown>;
  appended: boolean;
}

/**
 * The generate stage's state in the run database (tables of migration v2). Every attempt gets
 * one row whatever came of it, so a resumed run skips attempts already decided and counts
 * rejections across restarts; unparseable and rejected output is kept with its raw text.
 */
export class GenerateStore {
  private readonly statements: {
    attempts: Statement<[string]>;
    insertAttempt: Statement<unknown[]>;
    insertAccepted: Statement<unknown[]>;
    markAppended: Statement<[string]>;
    accepted: Statement<[string]>;
    reasons: Statement<[string]>;
    totals: Statement<[string]>;
    partial: Statement<[string]>;
    savePartial: Statement<unknown[]>;
    restoreAttempt: Statement<unknown[]>;
    restoreAccepted: Statement<unknown[]>;
  };

  private failureLog: ItemFailures | undefined;

  constructor(private readonly db: Database) {
    this.statements = {
      attempts: db.prepare("SELECT attempt FROM generate_attempts WHERE strategy = ?").pluck() as Statement<[string]>,
      insertAttempt: db.prepare(
        `INSERT INTO generate_attempts (strategy, attempt, status, reason, detail, raw, record_id, prompt_tokens, completion_tokens, requests, cached, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertAccepted: db.prepare("INSERT INTO generate_accepted (id, strategy, attempt, record, appended) VALUES (?, ?, ?, ?, 0)"),
      markAppended: db.prepare("UPDATE generate_accepted SET appended = 1 WHERE id = ?"),
      accepted: db.prepare("SELECT id, attempt, record, appended FROM generate_accepted WHERE strategy = ? ORDER BY attempt") as Statement<[string]>,
      reasons: db.prepare("SELECT reason, COUNT(*) AS count FROM generate_attempts WHERE strategy = ? AND status = 'rejected' GROUP BY reason") as Statement<[string]>,
      totals: db.prepare(
        `SELECT COUNT(*) AS attempts, COALESCE(SUM(status = 'accepted'), 0) AS accepted, COALESCE(SUM(prompt_tokens), 0) AS promptTokens,
           COALESCE(SUM(completion_tokens), 0) AS completionTokens, COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(cached), 0) AS cached
         FROM generate_attempts WHERE strategy = ?`,
      ) as Statement<[string]>,
      partial: db.prepare("SELECT text FROM generate_partials WHERE pair_key = ?").pluck() as Statement<[string]>,
      savePartial: db.prepare("INSERT INTO generate_partials (pair_key, text, seconds) VALUES (?, ?, ?) ON CONFLICT(pair_key) DO NOTHING"),
      restoreAttempt: db.prepare(
        `INSERT OR IGNORE INTO generate_attempts (strategy, attempt, status, reason, detail, raw, record_id, prompt_tokens, completion_tokens, requests, cached, created_at)
         VALUES (?, ?, 'accepted', NULL, 'restored from synthetic.jsonl', NULL, ?, ?, ?, ?, ?, ?)`,
      ),
      restoreAccepted: db.prepare("INSERT OR IGNORE INTO generate_accepted (id, strategy, attempt, record, appended) VALUES (?, ?, ?, ?, 1)"),
    };
  }

  /**
   * Attempts whose request failed (not decided: a rerun sends them again), with the reason.
   * Made on first use: a store read from a read-only run (reports, the UI) never writes.
   */
  get failures(): ItemFailures {
    this.failureLog ??= new ItemFailures(this.db);
    return this.failureLog;
  }

  /** Attempt numbers already decided (accepted or rejected) for a strategy. */
  decidedAttempts(strategy: string): Set<number> {
    return new Set(this.statements.attempts.all(strategy) as number[]);
  }

  recordRejected(strategy: string, attempt: number, reason: RejectionReason, detail: string, raw: string | undefined, usage: AttemptUsage): void {
    this.statements.insertAttempt.run(strategy, attempt, "rejected", reason, detail, raw ?? null, null, usage.promptTokens, usage.completionTokens, usage.requests, usage.cached, now());
  }

  /** Records the attempt and the accepted record in one transaction, not yet appended to the file. */
  recordAccepted(strategy: string, attempt: number, record: { id: string } & Record<string, unknown>, raw: string, usage: AttemptUsage): void {
    this.db.transaction(() => {
      this.statements.insertAttempt.run(strategy, attempt, "accepted", null, null, raw, record.id, usage.promptTokens, usage.completionTokens, usage.requests, usage.cached, now());
      this.statements.insertAccepted.run(record.id, strategy, attempt, JSON.stringify(record));
    })();
  }

  /**
   * Takes back a record that is in synthetic.jsonl but that the database lost (its WAL or the
   * whole file deleted): the attempt becomes decided again, with the usage the record carries.
   * Returns false if the attempt or the id was already there.
   */
  restoreAccepted(strategy: string, attempt: number, record: { id: string } & Record<string, unknown>): boolean {
    const usage = (record.usage ?? {}) as { prompt_tokens?: number; completion_tokens?: number; requests?: number; cached?: number };
    return this.db.transaction(() => {
      const inserted = this.statements.restoreAttempt.run(strategy, attempt, record.id, usage.prompt_tokens ?? 0, usage.completion_tokens ?? 0, usage.requests ?? 0, usage.cached ?? 0, now());
      if (inserted.changes === 0) return false;
      return this.statements.restoreAccepted.run(record.id, strategy, attempt, JSON.stringify(record)).changes > 0;
    })();
  }

  markAppended(id: string): void {
    this.statements.markAppended.run(id);
  }

  acceptedRecords(strategy: string): StoredRecord[] {
    return (this.statements.accepted.all(strategy) as Array<{ id: string; attempt: number; record: string; appended: number }>).map((row) => ({
      id: row.id,
      attempt: row.attempt,
      record: JSON.parse(row.record) as Record<string, unknown>,
      appended: row.appended === 1,
    }));
  }

  rejectionCounts(strategy: string): Partial<Record<RejectionReason, number>> {
    const rows = this.statements.reasons.all(strategy) as Array<{ reason: RejectionReason; count: number }>;
    return Object.fromEntries(rows.map((row) => [row.reason, row.count]));
  }

  /**
   * Per rejection reason: its count, one detail and one raw reply (the latest), most frequent
   * first. What a user needs to see when a job ends short: why, and what the teacher wrote.
   */
  rejectionSamples(strategy: string): Array<{ reason: RejectionReason; count: number; detail: string | null; raw: string | null }> {
    return this.db
      .prepare(
        `SELECT reason, COUNT(*) AS count, (SELECT detail FROM generate_attempts b WHERE b.strategy = a.strategy AND b.reason = a.reason ORDER BY attempt DESC LIMIT 1) AS detail,
           (SELECT raw FROM generate_attempts b WHERE b.strategy = a.strategy AND b.reason = a.reason AND raw IS NOT NULL ORDER BY attempt DESC LIMIT 1) AS raw
         FROM generate_attempts a WHERE strategy = ? AND status = 'rejected' GROUP BY reason ORDER BY count DESC, reason`,
      )
      .all(strategy) as Array<{ reason: RejectionReason; count: number; detail: string | null; raw: string | null }>;
  }

  totals(strategy: string): { attempts: number; accepted: number } & AttemptUsage {
    return this.statements.totals.get(strategy) as { attempts: number; accepted: number } & AttemptUsage;
  }

  partial(pairKey: string): string | undefined {
    return this.statements.partial.get(pairKey) as string | undefined;
  }

  savePartial(pairKey: string, text: string, seconds: number): void {
    this.statements.savePartial.run(pairKey, text, seconds);
  }
}

function now(): string {
  return new Date().toISOString();
}
