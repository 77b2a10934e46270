import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import DatabaseConstructor from "better-sqlite3";
import type { Database } from "better-sqlite3";
import { RunStateError } from "../core/errors.js";
import { SCHEMA_VERSION, migrate, schemaVersion } from "./migrations.js";
import { acquireRunLock, isAlive, LOCK_FILE } from "./run-lock.js";
import { temporaryFileOwner } from "./atomic-write.js";
import type { RunLock } from "./run-lock.js";
import { gapfillVersion } from "./gapfill-version.js";

/** File name of the run database inside a run directory. */
export const RUN_DATABASE_FILE = "gapfill.db";

/** How long a writer waits for another connection's write transaction before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

export interface OpenRunOptions {
  /** The gapfill command opening the run (`map`, `generate`…), recorded in the lock and the log. */
  command: string;
  argv?: string[];
  /** Open without the lock and without writing (reports, status, the UI watching a live run). */
  readonly?: boolean;
  /** Where notices go (a stale lock taken over). Defaults to a line on stderr. */
  onNotice?: (message: string) => void;
}

/** An open run directory: its database, its files, its event log. */
export interface Run {
  readonly dir: string;
  /** WAL mode, foreign keys on, busy_timeout set; schema at {@link SCHEMA_VERSION}. */
  readonly db: Database;
  readonly readonly: boolean;
  /** Absolute path of a file inside the run directory; refuses names that escape it. */
  path(name: string): string;
  /** Appends to the run's event log (table `events`). */
  event(type: string, payload?: Record<string, unknown>): void;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /** Closes the database and releases the lock. Idempotent. */
  close(): void;
}

/**
 * Opens the run directory `dir`, creating it (and its database) if needed, upgrading an older
 * schema, and taking the run lock unless `readonly`. Everything a stage needs to resume lives
 * here, so running the same command again continues where it stopped.
 */
export async function openRun(dir: string, options: OpenRunOptions): Promise<Run> {
  const databasePath = join(dir, RUN_DATABASE_FILE);
  if (options.readonly) return openReadonly(dir, databasePath);

  checkIsRunDirectory(dir, databasePath);
  mkdirSync(dir, { recursive: true });
  const lock = acquireRunLock(dir, {
    command: options.command,
    onNotice: options.onNotice ?? ((message) => process.stderr.write(`gapfill: ${message}\n`)),
  });
  let db: Database | undefined;
  try {
    removeAbandonedTemporaryFiles(dir);
    db = new DatabaseConstructor(databasePath);
    configure(db, dir);
    const schema = migrate(db, dir);
    const now = new Date().toISOString();
    const insertMeta = db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)");
    db.transaction(() => {
      insertMeta.run("created_at", now);
      insertMeta.run("gapfill_version", gapfillVersion());
      insertMeta.run("command", options.command);
    })();
    const run = createRun(dir, db, lock);
    run.event("run-open", {
      command: options.command,
      argv: options.argv,
      pid: process.pid,
      hostname: hostname(),
      gapfillVersion: gapfillVersion(),
      schema,
    });
    return run;
  } catch (error) {
    db?.close();
    lock.release();
    throw error;
  }
}

function checkIsRunDirectory(dir: string, databasePath: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new RunStateError("run-not-directory", `run ${dir} is not a directory`);
  }
  // Never turn an unrelated, non-empty folder (a dataset directory, a typo for one) into a run.
  // Our own lock and SQLite side files may be all a run killed during creation left behind.
  const ours = (name: string) => name.startsWith(LOCK_FILE) || name.startsWith(RUN_DATABASE_FILE);
  // A run whose database was deleted still holds its records in synthetic.jsonl: it is a run,
  // and the generate stages take the records back into the new database.
  const names = existsSync(databasePath) ? [] : readdirSync(dir);
  if (names.some((name) => !ours(name)) && !names.includes("synthetic.jsonl")) {
    throw new RunStateError("run-not-a-run", `run ${dir} exists, is not empty, and is not a gapfill run (no ${RUN_DATABASE_FILE})`);
  }
}

/** Temporary files of atomic writes whose writer was killed (SIGKILL, power loss) before the rename. */
function removeAbandonedTemporaryFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const owner = temporaryFileOwner(name);
    if (owner !== undefined && owner !== process.pid && !isAlive(owner)) unlinkSync(join(dir, name));
  }
}

function configure(db: Database, dir: string): void {
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (mode !== "wal") {
    throw new RunStateError("run-no-wal", `run ${dir}: the filesystem does not support SQLite WAL mode (journal_mode=${String(mode)})`);
  }
  // NORMAL is durable against process crashes in WAL mode; only a power loss can drop the
  // last commits, and resume redoes those.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
}

function openReadonly(dir: string, databasePath: string): Run {
  if (!existsSync(databasePath)) {
    throw new RunStateError("run-missing", `no gapfill run at ${dir} (no ${RUN_DATABASE_FILE})`);
  }
  const db = new DatabaseConstructor(databasePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new RunStateError(
        "run-schema-newer",
        `run ${dir} was written by a newer gapfill (schema v${version} > v${SCHEMA_VERSION}); upgrade gapfill to open it`,
      );
    }
    if (version < SCHEMA_VERSION) {
      throw new RunStateError(
        "run-schema-older",
        `run ${dir} has schema v${version}, this gapfill reads v${SCHEMA_VERSION}: open it once with a writing command to upgrade it`,
      );
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return createRun(dir, db, undefined);
}

function createRun(dir: string, db: Database, lock: RunLock | undefined): Run {
  const readonly = lock === undefined;
  const root = resolve(dir);
  const insertEvent = readonly ? undefined : db.prepare("INSERT INTO events (at, type, payload) VALUES (?, ?, ?)");
  const selectMeta = db.prepare("SELECT value FROM meta WHERE key = ?").pluck();
  const upsertMeta = readonly
    ? undefined
    : db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  let closed = false;

  const writable = (what: string) => {
    if (closed) throw new RunStateError("run-closed", `run ${dir} is closed (${what})`);
    if (readonly) throw new RunStateError("run-readonly", `run ${dir} was opened read-only (${what})`);
  };

  return {
    dir,
    db,
    readonly,
    path(name) {
      const full = resolve(root, name);
      const inside = relative(root, full);
      if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
        throw new RunStateError("run-path-outside", `"${name}" is not a file inside run ${dir}`);
      }
      return full;
    },
    event(type, payload) {
      writable(`event ${type}`);
      insertEvent!.run(new Date().toISOString(), type, payload === undefined ? null : JSON.stringify(payload));
    },
    getMeta(key) {
      return selectMeta.get(key) as string | undefined;
    },
    setMeta(key, value) {
      writable(`meta ${key}`);
      upsertMeta!.run(key, value);
    },
    close() {
      if (closed) return;
      try {
        if (!readonly) insertEvent!.run(new Date().toISOString(), "run-close", JSON.stringify({ pid: process.pid }));
      } finally {
        closed = true;
        db.close();
        lock?.release();
      }
    },
  };
}
