import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { migrate } from "./migrations.js";
import { beginStage, finishStage, getStage } from "./stage-state.js";

function database() {
  const db = new Database(":memory:");
  migrate(db);
  return db;
}

describe("stage state", () => {
  it("goes new → resume → done with the same params, whatever their key order", () => {
    const db = database();
    expect(beginStage(db, "map", { model: "llama:s.gguf", grid: { k: 2, cells: 10 } })).toBe("new");
    expect(getStage(db, "map")).toMatchObject({ status: "running", params: { grid: { cells: 10, k: 2 }, model: "llama:s.gguf" } });
    expect(beginStage(db, "map", { grid: { cells: 10, k: 2 }, model: "llama:s.gguf" })).toBe("resume");
    finishStage(db, "map");
    expect(getStage(db, "map")?.finishedAt).toMatch(/^\d{4}-/);
    expect(beginStage(db, "map", { model: "llama:s.gguf", grid: { k: 2, cells: 10 } })).toBe("done");
  });

  it("refuses to resume a stage with changed settings, naming what changed", () => {
    const db = database();
    beginStage(db, "map", { model: "a", cells: 10, seed: 1 });
    expect(() => beginStage(db, "map", { model: "a", cells: 12 }, "runs/x")).toThrow(
      'run runs/x: stage "map" was run with different settings (cells: 10 → 12; seed: 1 → unset)',
    );
  });

  it("refuses to finish a stage that never began", () => {
    expect(() => finishStage(database(), "generate")).toThrow('stage "generate" was never begun');
  });

  it("refuses a stage whose stored params are not a JSON object, naming the stage and the column", () => {
    const db = database();
    db.prepare("INSERT INTO stages (name, status, params, started_at) VALUES ('embed', 'running', '[1,', '2026-01-01')").run();
    expect(() => getStage(db, "embed")).toThrow(/stage "embed": stages\.params is not a JSON object/);
  });
});
