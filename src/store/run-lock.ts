import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { RunStateError } from "../core/errors.js";

/** File name of the lock inside a run directory. */
export const LOCK_FILE = "gapfill.lock";

/** What a lock file records about its holder. */
export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  command: string;
  /** Linux boot id and process start tick: tell a reused pid or a reboot from the holder. */
  bootId?: string;
  processStart?: string;
  /** Random per lock: release never deletes a lock that another process took over. */
  token: string;
}

/** A held run lock. `release` is idempotent. */
export interface RunLock {
  readonly path: string;
  readonly info: LockInfo;
  release(): void;
}

export interface AcquireRunLockOptions {
  command: string;
  /** Told when a stale lock (its holder is gone) is taken over. */
  onNotice?: (message: string) => void;
}

/** How old an unreadable lock or an abandoned takeover marker must be before it counts as stale. */
const HALF_WRITTEN_GRACE_MS = 10_000;

/**
 * Takes the exclusive lock of run directory `dir`, so two processes never write one run.
 * A lock whose holder is no longer alive on this host is taken over (with a notice); a live one
 * raises RunStateError naming the pid. The lock is released by `release()` and on process exit
 * or SIGINT/SIGTERM/SIGHUP; after SIGKILL the file stays and the next open finds it stale.
 */
export function acquireRunLock(dir: string, options: AcquireRunLockOptions): RunLock {
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command,
    bootId: currentBootId(),
    processStart: processStartTick(process.pid),
    token: randomBytes(8).toString("hex"),
  };
  if (!tryCreate(path, info)) {
    const holder = readLock(path);
    const staleReason = holder === "missing" ? "gone" : whyStale(path, holder);
    if (staleReason === undefined) throw inUseError(dir, holder as LockInfo | "unreadable");
    takeOver(dir, path, info, holder, staleReason, options.onNotice);
  }
  const lock: RunLock = {
    path,
    info,
    release() {
      if (!held.delete(lock)) return;
      releaseFile(path, info.token);
      if (held.size === 0) uninstallExitHandlers();
    },
  };
  held.add(lock);
  if (held.size === 1) installExitHandlers();
  return lock;
}

function tryCreate(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(info, null, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(path: string): LockInfo | "unreadable" | "missing" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockInfo>;
    if (typeof parsed.pid === "number" && typeof parsed.hostname === "string" && typeof parsed.token === "string") {
      return parsed as LockInfo;
    }
  } catch {
    // fall through: a lock file cut short by a crash between create and write
  }
  return "unreadable";
}

/** Why the lock is stale, or undefined when its holder may still be alive. */
function whyStale(path: string, holder: LockInfo | "unreadable"): string | undefined {
  if (holder === "unreadable") {
    // Its writer may be between open() and write(): give it a moment before calling it dead.
    return ageMs(path) > HALF_WRITTEN_GRACE_MS ? "its lock file is unreadable" : undefined;
  }
  if (holder.hostname !== hostname()) return undefined; // cannot see another host's processes
  if (holder.bootId !== undefined && holder.bootId !== currentBootId()) return `pid ${holder.pid} ran before a reboot`;
  if (!isAlive(holder.pid)) return `pid ${holder.pid} is not running`;
  if (holder.processStart !== undefined) {
    const now = processStartTick(holder.pid);
    if (now !== undefined && now !== holder.processStart) return `pid ${holder.pid} is now another process`;
  }
  return undefined;
}

/**
 * Replaces a stale lock. Takeovers are serialised through a second `wx` marker file, and the
 * lock is re-read inside it: two processes that both saw the same stale lock cannot both win,
 * and neither deletes the fresh lock the other just wrote.
 */
function takeOver(
  dir: string,
  path: string,
  info: LockInfo,
  seen: LockInfo | "unreadable" | "missing",
  reason: string,
  onNotice: ((message: string) => void) | undefined,
): void {
  const marker = `${path}.takeover`;
  let markerFd: number;
  try {
    markerFd = openSync(marker, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (ageMs(marker) <= HALF_WRITTEN_GRACE_MS) throw inUseError(dir, seen === "missing" ? "unreadable" : seen);
    unlinkSync(marker); // left by a process that died mid-takeover
    return takeOver(dir, path, info, seen, reason, onNotice);
  }
  closeSync(markerFd);
  try {
    const now = readLock(path);
    if (now !== "missing") {
      const sameAsSeen = now !== "unreadable" && seen !== "unreadable" && seen !== "missing" && now.token === seen.token;
      if (!sameAsSeen && whyStale(path, now) === undefined) throw inUseError(dir, now);
      unlinkSync(path);
    }
    if (!tryCreate(path, info)) throw inUseError(dir, readLockOrUnreadable(path));
  } finally {
    unlinkSync(marker);
  }
  if (seen !== "missing") onNotice?.(`run ${dir}: took over a stale lock (${reason})`);
}

function readLockOrUnreadable(path: string): LockInfo | "unreadable" {
  const holder = readLock(path);
  return holder === "missing" ? "unreadable" : holder;
}

function inUseError(dir: string, holder: LockInfo | "unreadable"): RunStateError {
  if (holder === "unreadable") {
    return new RunStateError("run-locked", `run ${dir} is in use (its lock file ${join(dir, LOCK_FILE)} is being written)`);
  }
  const where = holder.hostname === hostname() ? "" : ` on host ${holder.hostname}`;
  const self = holder.pid === process.pid && where === "" ? ", this process" : "";
  const hint = where ? `; if that process is gone, delete ${join(dir, LOCK_FILE)}` : "";
  return new RunStateError(
    "run-locked",
    `run ${dir} is in use by pid ${holder.pid}${where} (started ${holder.startedAt}${self}: ${holder.command})${hint}`,
  );
}

function releaseFile(path: string, token: string): void {
  const holder = readLock(path);
  if (holder !== "missing" && holder !== "unreadable" && holder.token === token) {
    try {
      unlinkSync(path);
    } catch {
      // already gone: nothing to release
    }
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function currentBootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot); Linux only. */
function processStartTick(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: split after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

// Locks held by this process, released on exit. Signal handlers are installed only while a
// lock is held, and re-raise the signal so the default exit still happens.
const held = new Set<RunLock>();
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function releaseAll(): void {
  for (const lock of [...held]) lock.release();
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener (the CLI's graceful stop) owns the shutdown; "exit" releases the lock then.
  if (process.listenerCount(signal) > 1) return;
  releaseAll();
  uninstallExitHandlers();
  process.kill(process.pid, signal);
}

function installExitHandlers(): void {
  process.on("exit", releaseAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstallExitHandlers(): void {
  process.removeListener("exit", releaseAll);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}
