import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir, hostname } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openRun, RUN_DATABASE_FILE } from "./run.js";
import type { Run } from "./run.js";
import { LOCK_FILE } from "./run-lock.js";
import { SCHEMA_VERSION } from "./migrations.js";
import { defaultRunDir } from "./default-run-dir.js";
import { RunStateError } from "../core/errors.js";
import Database from "better-sqlite3";
import { VITE_NODE_SCRIPT } from "../../test/support/vite-node.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const viteNode = VITE_NODE_SCRIPT;
const childScript = join(here, "open-run-child.fixture.ts");

let root: string;
const opened: Run[] = [];
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "gapfill-run-"));
});
afterEach(() => {
  for (const run of opened.splice(0)) run.close();
  rmSync(root, { recursive: true, force: true });
});

async function open(dir: string, options: Parameters<typeof openRun>[1] = { command: "test" }): Promise<Run> {
  const run = await openRun(dir, options);
  opened.push(run);
  return run;
}

function childTry(dir: string): { ok?: boolean; error?: string; code?: string } {
  const result = spawnSync(process.execPath, [viteNode, childScript, dir, "try"], { encoding: "utf8" });
  return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

/** Starts a child that opens the run and holds it; resolves once the lock is taken. */
async function childHold(dir: string) {
  const child = spawn(process.execPath, [viteNode, childScript, dir, "hold"], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolveReady, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready")) resolveReady();
      else if (output.includes("error")) reject(new Error(output));
    });
    child.on("exit", (code) => reject(new Error(`child exited with ${code} before holding the lock: ${output}`)));
  });
  const exited = new Promise<NodeJS.Signals | null>((resolveExit) => child.on("exit", (_code, signal) => resolveExit(signal)));
  return { child, exited };
}

/** A pid that certainly belonged to a process and is now dead. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.kill(process.pid, 'SIGKILL')"]);
  expect(child.signal).toBe("SIGKILL");
  return child.pid!;
}

describe("openRun", () => {
  it("creates the directory and a WAL database at the current schema with meta and an open event", async () => {
    const dir = join(root, "runs", "a");
    const run = await open(dir, { command: "map", argv: ["map", "data.jsonl"] });
    expect(existsSync(join(dir, RUN_DATABASE_FILE))).toBe(true);
    expect(run.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(run.db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(run.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(run.db.pragma("busy_timeout", { simple: true })).toBeGreaterThan(0);
    expect(run.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(run.getMeta("command")).toBe("map");
    expect(run.getMeta("gapfill_version")).toBe(JSON.parse(readFileSync(resolve(here, "../../package.json"), "utf8")).version);
    const event = run.db.prepare("SELECT type, payload FROM events").get() as { type: string; payload: string };
    expect(event.type).toBe("run-open");
    expect(JSON.parse(event.payload)).toMatchObject({ command: "map", argv: ["map", "data.jsonl"], pid: process.pid });
  });

  it("keeps state across close and re-open, and records both opens", async () => {
    const dir = join(root, "r");
    const first = await openRun(dir, { command: "map" });
    first.setMeta("k", "v1");
    first.setMeta("k", "v2");
    first.event("stage-done", { stage: "embed", rows: 3 });
    first.close();
    first.close(); // idempotent
    const second = await open(dir, { command: "generate" });
    expect(second.getMeta("k")).toBe("v2");
    expect(second.getMeta("command")).toBe("map"); // the creating command stays
    const types = second.db.prepare("SELECT type FROM events ORDER BY id").pluck().all();
    expect(types).toEqual(["run-open", "stage-done", "run-close", "run-open"]);
  });

  it("removes temporary files left by a killed writer, keeping a live writer's", async () => {
    const dir = join(root, "r");
    (await openRun(dir, { command: "map" })).close();
    const dead = `.synthetic.jsonl.${deadPid()}.0a1b2c3d.tmp`;
    const live = `.report.html.${process.pid}.0a1b2c3d.tmp`;
    writeFileSync(join(dir, dead), "partial");
    writeFileSync(join(dir, live), "in progress");
    writeFileSync(join(dir, "notes.tmp"), "user file");
    await open(dir, { command: "map" });
    expect(existsSync(join(dir, dead))).toBe(false);
    expect(existsSync(join(dir, live))).toBe(true);
    expect(existsSync(join(dir, "notes.tmp"))).toBe(true);
  });

  it("refuses to write to events through UPDATE", async () => {
    const run = await open(join(root, "r"));
    run.event("x");
    expect(() => run.db.prepare("UPDATE events SET type = 'y'").run()).toThrow("events are append-only");
  });

  it("resolves paths inside the run and refuses ones outside", async () => {
    const dir = join(root, "r");
    const run = await open(dir);
    expect(run.path("embeddings.f32")).toBe(resolve(dir, "embeddings.f32"));
    expect(() => run.path("../elsewhere")).toThrow(/not a file inside run/);
    expect(() => run.path("/etc/passwd")).toThrow(/not a file inside run/);
  });

  it("refuses a non-empty directory that is not a run", async () => {
    const dir = join(root, "data");
    mkdirSync(dir);
    writeFileSync(join(dir, "train.jsonl"), "{}\n");
    await expect(openRun(dir, { command: "map" })).rejects.toThrow(`run ${dir} exists, is not empty, and is not a gapfill run`);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("refuses a run written by a newer schema", async () => {
    const dir = join(root, "r");
    (await openRun(dir, { command: "map" })).close();
    const db = new Database(join(dir, RUN_DATABASE_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const expected = `run ${dir} was written by a newer gapfill (schema v${SCHEMA_VERSION + 1} > v${SCHEMA_VERSION})`;
    await expect(openRun(dir, { command: "map" })).rejects.toThrow(expected);
    await expect(openRun(dir, { command: "report", readonly: true })).rejects.toThrow(expected);
    // the failed open released its lock
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("opens read-only without the lock, alongside a writer, and refuses writes", async () => {
    const dir = join(root, "r");
    const writer = await open(dir, { command: "map" });
    writer.setMeta("k", "v");
    const reader = await open(dir, { command: "report", readonly: true });
    expect(reader.getMeta("k")).toBe("v");
    expect(() => reader.event("x")).toThrow(/opened read-only/);
    expect(() => reader.setMeta("a", "b")).toThrow(/opened read-only/);
    await expect(openRun(join(root, "none"), { command: "report", readonly: true })).rejects.toThrow(/no gapfill run at/);
  });
});

describe("run lock", () => {
  it("refuses a second open in the same process, naming the pid", async () => {
    const dir = join(root, "r");
    await open(dir, { command: "map" });
    const attempt = openRun(dir, { command: "generate" });
    await expect(attempt).rejects.toBeInstanceOf(RunStateError);
    await expect(openRun(dir, { command: "generate" })).rejects.toThrow(`run ${dir} is in use by pid ${process.pid} (started `);
  });

  it("releases the lock on close", async () => {
    const dir = join(root, "r");
    const run = await openRun(dir, { command: "map" });
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    run.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await open(dir, { command: "map" });
  });

  it("refuses an open from a child process while this process holds the run", async () => {
    const dir = join(root, "r");
    await open(dir, { command: "map" });
    const result = childTry(dir);
    expect(result.code).toBe("run-locked");
    expect(result.error).toContain(`run ${dir} is in use by pid ${process.pid} (started `);
  });

  it("refuses this process while a child holds the run; SIGTERM releases it", async () => {
    const dir = join(root, "r");
    const { child, exited } = await childHold(dir);
    await expect(openRun(dir, { command: "map" })).rejects.toThrow(`run ${dir} is in use by pid ${child.pid} (started `);
    child.kill("SIGTERM");
    expect(await exited).toBe("SIGTERM");
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await open(dir, { command: "map" });
  });

  it("takes over the lock of a SIGKILLed holder with a notice", async () => {
    const dir = join(root, "r");
    const { child, exited } = await childHold(dir);
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true); // SIGKILL cannot clean up
    const notices: string[] = [];
    await open(dir, { command: "map", onNotice: (message) => notices.push(message) });
    expect(notices).toEqual([`run ${dir}: took over a stale lock (pid ${child.pid} is not running)`]);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
  });

  it("takes over a lock file left by a dead pid", async () => {
    const dir = join(root, "r");
    mkdirSync(dir);
    const pid = deadPid();
    const stale = { pid, hostname: hostname(), startedAt: "2026-01-01T00:00:00.000Z", command: "map", token: "dead" };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
    const notices: string[] = [];
    await open(dir, { command: "map", onNotice: (message) => notices.push(message) });
    expect(notices).toEqual([`run ${dir}: took over a stale lock (pid ${pid} is not running)`]);
    expect(existsSync(join(dir, `${LOCK_FILE}.takeover`))).toBe(false);
  });

  it("treats an empty lock file as being written at first, and as stale once it is old", async () => {
    const dir = join(root, "r");
    mkdirSync(dir);
    const lockPath = join(dir, LOCK_FILE);
    writeFileSync(lockPath, ""); // a holder killed between creating the file and writing it
    await expect(openRun(dir, { command: "map" })).rejects.toThrow(`run ${dir} is in use (its lock file ${lockPath} is being written)`);
    const oneMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lockPath, oneMinuteAgo, oneMinuteAgo);
    const notices: string[] = [];
    await open(dir, { command: "map", onNotice: (message) => notices.push(message) });
    expect(notices).toEqual([`run ${dir}: took over a stale lock (its lock file is unreadable)`]);
  });

  it("does not take over a lock held on another host", async () => {
    const dir = join(root, "r");
    mkdirSync(dir);
    const other = { pid: deadPid(), hostname: "elsewhere.invalid", startedAt: "2026-01-01T00:00:00.000Z", command: "map", token: "t" };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
    await expect(openRun(dir, { command: "map" })).rejects.toThrow(
      `run ${dir} is in use by pid ${other.pid} on host elsewhere.invalid (started 2026-01-01T00:00:00.000Z: map); if that process is gone, delete`,
    );
  });
});

describe("defaultRunDir", () => {
  it("names the run by local time and two words", () => {
    const name = defaultRunDir(new Date(2026, 10, 21, 9, 5, 7), () => 0);
    expect(name).toBe(join("runs", "20261121-090507-amber-otter"));
    expect(defaultRunDir(new Date(2026, 0, 2, 3, 4, 5), () => 0.999)).toMatch(/^runs[/\\]20260102-030405-[a-z]+-[a-z]+$/);
  });
});
