import { open, stat } from "node:fs/promises";
import { extname } from "node:path";
import { InputError } from "../core/errors.js";
import type { DatasetFormat } from "../core/example.js";
import { fileReadError } from "./read-file-error.js";

/** The first bytes of a file (up to 64 KiB) and its size: enough to sniff and to reject early. */
export interface FileHead {
  size: number;
  head: Buffer;
}

const HEAD_BYTES = 64 * 1024;

/**
 * Reads a file's size and head, throwing the file-level errors that no `skipInvalid`
 * can get past: missing (`file-not-found`), a directory (`is-directory`), zero bytes
 * (`empty-file`).
 */
export async function readFileHead(path: string): Promise<FileHead> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new InputError("is-directory", `${path}: is a directory, expected a dataset file`, { file: path });
    size = info.size;
  } catch (error) {
    throw fileReadError(path, error);
  }
  if (size === 0) throw new InputError("empty-file", `${path}: the file is empty`, { file: path });
  // stat succeeds on a file we may not read (permission denied): opening it is the real check.
  const handle = await open(path, "r").catch((error: unknown) => {
    throw fileReadError(path, error);
  });
  try {
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { size, head: head.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

const EXTENSIONS: Record<string, DatasetFormat> = {
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".jsonlines": "jsonl",
  ".json": "json",
  ".csv": "csv",
  ".parquet": "parquet",
  ".pq": "parquet",
};

/** True when the head starts with Parquet's `PAR1` magic. */
export function isParquetHead(head: Buffer): boolean {
  return head.length >= 4 && head.toString("latin1", 0, 4) === "PAR1";
}

/**
 * Picks the format: the explicit one, else the extension, else a sniff of the head.
 * Also rejects, for the text formats, files that are not text at all: compressed
 * (`compressed-file`) or containing NUL bytes (`binary-file`).
 */
export function detectFormat(path: string, file: FileHead, explicit?: DatasetFormat): DatasetFormat {
  const format = explicit ?? EXTENSIONS[extname(path).toLowerCase()] ?? sniffFormat(path, file.head);
  if (format === "parquet") {
    if (!isParquetHead(file.head)) {
      throw new InputError("invalid-parquet", `${path}: not a Parquet file (it does not start with PAR1)`, { file: path });
    }
    return format;
  }
  assertText(path, file.head);
  return format;
}

/** Throws for gzip/zip/zstd archives and for NUL bytes, which no text dataset contains. */
export function assertText(path: string, head: Buffer): void {
  const magic = head.subarray(0, 4).toString("hex");
  if (magic.startsWith("1f8b") || magic === "504b0304" || magic === "28b52ffd") {
    throw new InputError("compressed-file", `${path}: is a compressed archive; decompress it first`, { file: path });
  }
  if (magic.startsWith("fffe") || magic.startsWith("feff")) {
    throw new InputError("invalid-utf8", `${path}: is UTF-16 text; convert it to UTF-8`, { file: path });
  }
  if (isParquetHead(head)) {
    throw new InputError("binary-file", `${path}: is a Parquet file; use a .parquet name or set format to parquet`, { file: path, relatedOptions: ["format"] });
  }
  const nul = head.indexOf(0);
  if (nul !== -1) {
    const line = countLines(head, nul);
    throw new InputError("binary-file", `${path}:${line}: binary file (NUL byte at offset ${nul}), expected UTF-8 text`, { file: path, line });
  }
}

function sniffFormat(path: string, head: Buffer): DatasetFormat {
  if (isParquetHead(head)) return "parquet";
  assertText(path, head);
  const text = head.toString("utf8").replace(/^\uFEFF/, "");
  const first = text.trimStart()[0];
  if (first === "[") return "json";
  if (first === "{") {
    const firstLine = text.trimStart().split("\n", 1)[0];
    try {
      JSON.parse(firstLine);
      return "jsonl";
    } catch {
      return "json";
    }
  }
  if (text.split("\n", 1)[0].includes(",")) return "csv";
  throw new InputError(
    "unknown-format",
    `${path}: cannot tell the format from the name or content; set format to jsonl, json, csv or parquet`,
    { file: path, relatedOptions: ["format"] },
  );
}

/** 1-based line number of a byte offset. */
export function countLines(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < bytes.length; index++) if (bytes[index] === 0x0a) line++;
  return line;
}
