import { appendFileSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openRun, type Run } from "../../store/run.js";
import { GenerateStore } from "./generate-store.js";
import { appendAccepted, appendsSynced, reconcileSyntheticFile } from "./synthetic-file.js";

const usage = { promptTokens: 10, completionTokens: 5, requests: 1, cached: 0 };
const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line).id);

async function freshRun(): Promise<{ dir: string; run: Run }> {
  const dir = await mkdtemp(join(tmpdir(), "gapfill-synthetic-"));
  return { dir, run: await openRun(join(dir, "run"), { command: "test", onNotice: () => {} }) };
}

/** `count` accepted records of strategy "embed", in the database and the file. */
function acceptMany(run: Run, count: number): { store: GenerateStore; path: string; ids: string[] } {
  const store = new GenerateStore(run.db);
  const path = run.path("synthetic.jsonl");
  const ids: string[] = [];
  for (let attempt = 0; attempt < count; attempt++) {
    const record = { id: `gen-embed-${attempt}`, question: `q${attempt} ${"x".repeat(attempt % 7)}`, strategy: "embed", attempt, usage: { prompt_tokens: 10, completion_tokens: 5, requests: 1, cached: 0 } };
    store.recordAccepted("embed", attempt, record, "raw", usage);
    appendAccepted(path, store, record);
    ids.push(record.id);
  }
  return { store, path, ids };
}

describe("reconcileSyntheticFile", () => {
  it("after a kill between the database and the file: appends what is missing once, cuts a torn line, never doubles", async () => {
    const { run } = await freshRun();
    try {
      const store = new GenerateStore(run.db);
      const path = run.path("synthetic.jsonl");
      store.recordAccepted("embed", 0, { id: "a", question: "q0" }, "raw", usage);
      appendAccepted(path, store, { id: "a" });
      // Killed after the database row, before the append:
      store.recordAccepted("embed", 1, { id: "b", question: "q1" }, "raw", usage);
      // Killed after the append, before the flag (the record is in the file already):
      store.recordAccepted("embed", 2, { id: "c", question: "q2" }, "raw", usage);
      appendFileSync(path, JSON.stringify({ id: "c", question: "q2" }) + "\n");
      // And a torn write of something never accepted:
      appendFileSync(path, '{"id": "torn", "quest');

      const repairs: string[] = [];
      reconcileSyntheticFile(path, store, "embed", (message) => repairs.push(message));
      expect(lines(path)).toEqual(["a", "c", "b"]);
      expect(repairs).toEqual(["synthetic.jsonl: dropped 1 torn or unreadable line"]);
      expect(store.acceptedRecords("embed").every((stored) => stored.appended)).toBe(true);
      reconcileSyntheticFile(path, store, "embed", (message) => repairs.push(message));
      expect(lines(path)).toEqual(["a", "c", "b"]);
      expect(repairs).toHaveLength(1);
      expect(store.totals("embed")).toMatchObject({ attempts: 3, accepted: 3, promptTokens: 30, requests: 3 });
      expect(store.decidedAttempts("embed")).toEqual(new Set([0, 1, 2]));
    } finally {
      run.close();
    }
  });

  it("restores every record after the file is cut at 20 random byte offsets, each repair in one line", async () => {
    const { run } = await freshRun();
    try {
      const { store, path, ids } = acceptMany(run, 40);
      const size = statSync(path).size;
      let seed = 7;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      for (let cut = 0; cut < 20; cut++) {
        const offset = Math.floor(random() * size);
        truncateSync(path, offset);
        const repairs: string[] = [];
        reconcileSyntheticFile(path, store, "embed", (message) => repairs.push(message));
        expect(lines(path).sort()).toEqual([...ids].sort());
        expect(readFileSync(path, "utf8").endsWith("\n")).toBe(true);
        expect(repairs.length).toBeGreaterThan(0);
        expect(repairs.every((line) => !line.includes("\n") && line.startsWith("synthetic.jsonl: "))).toBe(true);
      }
    } finally {
      run.close();
    }
  });

  it("removes an id written twice, and writes back a deleted file from the database", async () => {
    const { run } = await freshRun();
    try {
      const { store, path, ids } = acceptMany(run, 5);
      appendFileSync(path, readFileSync(path, "utf8").split("\n")[2] + "\n");
      const repairs: string[] = [];
      reconcileSyntheticFile(path, store, "embed", (message) => repairs.push(message));
      expect(lines(path)).toEqual(ids);
      expect(repairs).toEqual(["synthetic.jsonl: removed 1 duplicate record (an id written twice)"]);
      rmSync(path);
      reconcileSyntheticFile(path, store, "embed", (message) => repairs.push(message));
      expect(lines(path)).toEqual(ids);
      expect(repairs.at(-1)).toBe("synthetic.jsonl: wrote back 5 records the file had lost (the run database kept them)");
    } finally {
      run.close();
    }
  });

  it("takes the file's records back after the WAL or the whole database is lost, so none is asked for or written again", async () => {
    for (const lost of ["wal", "database"] as const) {
      const { dir, run } = await freshRun();
      const { path, ids } = acceptMany(run, 12);
      const other = JSON.stringify({ id: "gen-random-000001", strategy: "random", attempt: 1, question: "kept as is" });
      appendFileSync(path, other + "\n");
      const database = join(dir, "run", "gapfill.db");
      // Simulate the loss without a checkpoint: copy the file away while the WAL holds the rows.
      if (lost === "wal") {
        const snapshot = readFileSync(database);
        run.close();
        writeFileSync(database, snapshot);
        for (const suffix of ["-wal", "-shm"]) if (existsSync(database + suffix)) rmSync(database + suffix);
      } else {
        run.close();
        for (const suffix of ["", "-wal", "-shm"]) if (existsSync(database + suffix)) rmSync(database + suffix);
      }
      const reopened = await openRun(join(dir, "run"), { command: "test", onNotice: () => {} });
      try {
        const store = new GenerateStore(reopened.db);
        const repairs: string[] = [];
        reconcileSyntheticFile(path, store, "embed", (message) => repairs.push(message));
        expect(store.acceptedRecords("embed").map((stored) => stored.id)).toEqual(ids);
        expect(store.decidedAttempts("embed")).toEqual(new Set(ids.map((_, attempt) => attempt)));
        expect(store.totals("embed")).toMatchObject({ accepted: 12, promptTokens: 120 });
        expect(lines(path)).toEqual([...ids, "gen-random-000001"]);
        if (repairs.length > 0) expect(repairs).toEqual([expect.stringMatching(/^synthetic.jsonl: took \d+ records? the run database had lost back into it$/)]);
        if (lost === "database") expect(repairs).toEqual(["synthetic.jsonl: took 12 records the run database had lost back into it"]);
      } finally {
        reopened.close();
      }
    }
  });
});

describe("appendAccepted", () => {
  it("writes each line at once and flags it; appendsSynced waits for the background fsyncs", async () => {
    const { dir, run } = await freshRun();
    try {
      const { store, path, ids } = acceptMany(run, 40);
      // Written and flagged before any fsync has finished: a kill now keeps every line.
      expect(lines(path)).toEqual(ids);
      expect(store.acceptedRecords("embed").every((stored) => stored.appended)).toBe(true);
      await appendsSynced(path);
      await appendsSynced(path);
      await expect(appendsSynced(join(dir, "never-written.jsonl"))).resolves.toBeUndefined();
    } finally {
      run.close();
    }
  });
});
