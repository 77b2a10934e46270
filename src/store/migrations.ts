import type { Database } from "better-sqlite3";
import { RunStateError } from "../core/errors.js";

/**
 * One step of the run database schema. `version` is the `PRAGMA user_version` the database has
 * after the step; versions are 1, 2, 3, … in list order. A step is either plain SQL or a
 * function (for steps that must move data). Each runs in its own transaction together with the
 * `user_version` bump, so a crash mid-migration leaves the previous version intact.
 */
export interface Migration {
  readonly version: number;
  /** Short kebab-case description, shown in errors. */
  readonly name: string;
  readonly sql?: string;
  readonly up?: (db: Database) => void;
}

/**
 * The ordered schema history. To change the schema, append a migration with the next version
 * number; never edit one that has shipped (runs written with it already exist on disk).
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "base",
    sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT
      );
      CREATE INDEX events_type ON events(type);
      -- The event log is the run's history: it only grows.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

      CREATE TABLE request_cache (
        key TEXT PRIMARY KEY,
        engine TEXT NOT NULL,
        model TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        request TEXT NOT NULL,
        response TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
        stage TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        created_at TEXT NOT NULL,
        answered_at TEXT
      );
      -- Batch export walks the pending requests of one endpoint.
      CREATE INDEX request_cache_status ON request_cache(status, endpoint);

      CREATE TABLE usage (
        stage TEXT NOT NULL,
        engine TEXT NOT NULL,
        model TEXT NOT NULL,
        requests INTEGER NOT NULL DEFAULT 0,
        cached INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (stage, engine, model)
      );

      CREATE TABLE stages (
        name TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        params TEXT,
        started_at TEXT,
        finished_at TEXT
      );
    `,
  },
  {
    version: 2,
    name: "generate",
    sql: `
      -- One row per teacher attempt of the generate stage, whatever came of it: the run keeps
      -- rejected and unparseable output (raw text + reason) instead of dropping it.
      CREATE TABLE generate_attempts (
        strategy TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
        reason TEXT,
        detail TEXT,
        raw TEXT,
        record_id TEXT,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0,
        cached INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        PRIMARY KEY (strategy, attempt)
      );

      -- Accepted records, written before the durable append to synthetic.jsonl and flagged once
      -- it is on disk, so a kill between the two neither loses nor duplicates a record.
      CREATE TABLE generate_accepted (
        id TEXT PRIMARY KEY,
        strategy TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        record TEXT NOT NULL,
        appended INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX generate_accepted_strategy ON generate_accepted(strategy);

      -- The student's decoded partial of each seed pair (greedy, so one per pair).
      CREATE TABLE generate_partials (
        pair_key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        seconds REAL NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: "evaluate",
    sql: `
      -- One evaluation of a student on a benchmark: "eval" for \`gapfill eval\`, one per round for
      -- the closed loop. params holds what changes the verdicts (template, shots, max tokens…).
      CREATE TABLE evaluations (
        name TEXT PRIMARY KEY,
        student TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        benchmark_digest TEXT NOT NULL,
        items INTEGER NOT NULL,
        params TEXT NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT
      );

      -- Every judged item, written once with all its signals, so a resumed evaluation skips it.
      CREATE TABLE evaluation_items (
        evaluation TEXT NOT NULL REFERENCES evaluations(name),
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        question TEXT NOT NULL,
        reference TEXT NOT NULL,
        reference_answer TEXT,
        prompt TEXT NOT NULL,
        output TEXT NOT NULL,
        extracted TEXT,
        extraction_method TEXT,
        correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
        finish_reason TEXT,
        reference_loss REAL,
        own_loss REAL,
        sample_answers TEXT,
        sample_entropy REAL,
        judged_at TEXT NOT NULL,
        PRIMARY KEY (evaluation, position)
      );
      CREATE INDEX evaluation_items_item ON evaluation_items(evaluation, item_id);
    `,
  },
  {
    version: 4,
    name: "loop",
    sql: `
      -- The closed loop (gapfill loop): one row per round, its phase, and which student it
      -- evaluated with (the one trained in the round before) and trained (the next one).
      CREATE TABLE loop_rounds (
        round INTEGER PRIMARY KEY,
        strategy TEXT NOT NULL,
        phase TEXT NOT NULL,
        student TEXT NOT NULL,
        trained_student TEXT,
        train_file TEXT,
        train_examples INTEGER,
        stopped TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );

      -- The active score of every seed in a round, and whether it was selected.
      CREATE TABLE loop_scores (
        round INTEGER NOT NULL,
        position INTEGER NOT NULL,
        example_id TEXT NOT NULL,
        score REAL,
        selected_rank INTEGER,
        PRIMARY KEY (round, position)
      );

      -- A round's training job: local command or a fine-tuning job whose ids survive restarts.
      CREATE TABLE loop_training (
        round INTEGER PRIMARY KEY,
        trainer TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
        file_id TEXT,
        job_id TEXT,
        result TEXT,
        detail TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
    `,
  },
];

/** The schema version this build of gapfill writes. */
export const SCHEMA_VERSION: number = migrations.length;

/** What `migrate` did: the schema version before and after. */
export interface MigrateResult {
  from: number;
  to: number;
}

/**
 * Brings `db` up to {@link SCHEMA_VERSION}. Opening a database that is already current is a
 * no-op; one written by a newer gapfill is refused rather than half-understood.
 *
 * @param label how to name the database in errors (the run directory), e.g. `runs/x`.
 */
export function migrate(db: Database, label = db.name, list: readonly Migration[] = migrations): MigrateResult {
  checkMigrationList(list);
  const target = list.length;
  const from = schemaVersion(db);
  if (from > target) {
    throw new RunStateError(
      "run-schema-newer",
      `run ${label} was written by a newer gapfill (schema v${from} > v${target}); upgrade gapfill to open it`,
    );
  }
  for (const migration of list.slice(from)) {
    const step = db.transaction(() => {
      if (migration.sql !== undefined) db.exec(migration.sql);
      migration.up?.(db);
      // user_version lives in the database header and is covered by the transaction.
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step.immediate();
    } catch (error) {
      throw new RunStateError(
        "run-migration-failed",
        `run ${label}: schema migration v${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return { from, to: target };
}

/** The schema version recorded in `db` (0 for a database gapfill never touched). */
export function schemaVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

function checkMigrationList(list: readonly Migration[]): void {
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration list is out of order: entry ${index} has version ${migration.version}, expected ${index + 1}`);
    }
    if (migration.sql === undefined && migration.up === undefined) {
      throw new Error(`migration v${migration.version} (${migration.name}) has neither sql nor up`);
    }
  });
}
