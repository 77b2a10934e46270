import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";

/**
 * Writes a file so that readers (and a crash) see either the old content or the new, never a
 * prefix: the data goes to a temporary file in the same directory (same filesystem, so the
 * rename is atomic), is fsynced, renamed over the target, and the directory is fsynced so the
 * rename itself survives a power loss.
 */
export async function atomicWriteFile(path: string, data: string | Uint8Array): Promise<void> {
  await atomicWriteLines(path, [data]);
}

/**
 * Like {@link atomicWriteFile}, for content produced piece by piece (a JSONL export of 400K rows
 * need not be one string). Each item is written as is: pass lines with their `\n`.
 * Nothing appears at `path` unless every item was written.
 */
export async function atomicWriteLines(
  path: string,
  lines: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): Promise<void> {
  const temporary = temporaryPathFor(path);
  const handle = await open(temporary, "wx");
  let renamed = false;
  try {
    // Buffer small pieces: one write() per line would dominate the cost for short lines.
    const chunks: Uint8Array[] = [];
    let buffered = 0;
    const flush = async () => {
      if (buffered === 0) return;
      await handle.write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered));
      chunks.length = 0;
      buffered = 0;
    };
    for await (const line of lines) {
      const bytes = typeof line === "string" ? Buffer.from(line, "utf8") : line;
      chunks.push(bytes);
      buffered += bytes.byteLength;
      if (buffered >= 1 << 20) await flush();
    }
    await flush();
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
    renamed = true;
    await syncDirectory(dirname(path));
  } finally {
    if (!renamed) {
      await handle.close().catch(() => {});
      await unlink(temporary).catch(() => {});
    }
  }
}

/**
 * Appends records as JSON lines and fsyncs before returning, so a record that this call
 * returned for is on disk even if the process is killed right after (used for
 * `synthetic.jsonl`, where an accepted example must never be lost). Synchronous on purpose:
 * callers record "appended" in SQLite right after, and the order must hold.
 */
export function appendJsonlDurable(path: string, records: object[]): void {
  if (records.length === 0) return;
  const text = records.map((record) => JSON.stringify(record) + "\n").join("");
  const fd = openSync(path, "a");
  try {
    const bytes = Buffer.from(text, "utf8");
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A name in the target's directory that no other writer will pick; hidden and marked `.tmp`. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

const TEMPORARY_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** The pid that made a temporary file of {@link temporaryPathFor}, or undefined for other names. */
export function temporaryFileOwner(name: string): number | undefined {
  const match = TEMPORARY_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

/** Makes a rename or a file creation in `directory` durable. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, "r");
    await handle.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
    if (!isIgnorableDirectorySyncError(error)) throw error;
  } finally {
    await handle?.close();
  }
}

function isIgnorableDirectorySyncError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EINVAL" || code === "EISDIR" || code === "EPERM" || code === "ENOTSUP";
}
