import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { migrate, migrations, schemaVersion, SCHEMA_VERSION } from "./migrations.js";
import type { Migration } from "./migrations.js";
import { RunStateError } from "../core/errors.js";

function tableNames(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]);
}

describe("migrate", () => {
  it("creates the base tables on a fresh database", () => {
    const db = new Database(":memory:");
    expect(migrate(db)).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(tableNames(db)).toEqual(expect.arrayContaining(["meta", "events", "request_cache", "usage", "stages"]));
    db.close();
  });

  it("is a no-op on a current database", () => {
    const db = new Database(":memory:");
    migrate(db);
    db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
    expect(migrate(db)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    expect(db.prepare("SELECT value FROM meta WHERE key = 'k'").pluck().get()).toBe("v");
    db.close();
  });

  it("refuses a database written by a newer schema, naming the run and both versions", () => {
    const db = new Database(":memory:");
    migrate(db);
    db.pragma(`user_version = ${SCHEMA_VERSION + 3}`);
    expect(() => migrate(db, "runs/x")).toThrow(RunStateError);
    expect(() => migrate(db, "runs/x")).toThrow(
      `run runs/x was written by a newer gapfill (schema v${SCHEMA_VERSION + 3} > v${SCHEMA_VERSION})`,
    );
    db.close();
  });

  it("applies only the missing steps, in order, and rolls a failing step back whole", () => {
    const extra: Migration[] = [
      ...migrations,
      { version: SCHEMA_VERSION + 1, name: "add-notes", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)" },
      {
        version: SCHEMA_VERSION + 2,
        name: "broken",
        up: (db) => {
          db.exec("CREATE TABLE half (id INTEGER)");
          throw new Error("boom");
        },
      },
    ];
    const db = new Database(":memory:");
    migrate(db);
    expect(() => migrate(db, "runs/y", extra)).toThrow(`run runs/y: schema migration v${SCHEMA_VERSION + 2} (broken) failed: boom`);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION + 1);
    expect(tableNames(db)).toContain("notes");
    expect(tableNames(db)).not.toContain("half");
    db.close();
  });

  it("rejects a migration list with a gap", () => {
    const db = new Database(":memory:");
    const gap: Migration[] = [...migrations, { version: SCHEMA_VERSION + 2, name: "skipped", sql: "SELECT 1" }];
    expect(() => migrate(db, "mem", gap)).toThrow(/out of order/);
    db.close();
  });

  it("makes events append-only", () => {
    const db = new Database(":memory:");
    migrate(db);
    db.prepare("INSERT INTO events (at, type) VALUES ('2026-01-01T00:00:00Z', 'x')").run();
    expect(() => db.prepare("UPDATE events SET type = 'y'").run()).toThrow("events are append-only");
    expect(() => db.prepare("DELETE FROM events").run()).toThrow("events are append-only");
    expect(db.prepare("SELECT type FROM events").pluck().all()).toEqual(["x"]);
    db.close();
  });

  it("checks request_cache status values", () => {
    const db = new Database(":memory:");
    migrate(db);
    const insert = db.prepare(
      "INSERT INTO request_cache (key, engine, model, endpoint, request, status, created_at) VALUES (?, 'openai', 'm', 'http://127.0.0.1', '{}', ?, 'now')",
    );
    insert.run("a", "pending");
    expect(() => insert.run("b", "lost")).toThrow(/CHECK constraint/);
    db.close();
  });
});
