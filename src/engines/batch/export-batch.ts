import { open, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import path from "node:path";
import type { Database, Statement } from "better-sqlite3";
import { OptionError } from "../../core/errors.js";
import { progress, silent } from "../../core/events.js";
import type { ProgressListener } from "../../core/events.js";
import { batchUrl, urlSlug, vllmRunBatchServes } from "./batch-line.js";
import type { BatchRequestLine } from "./batch-line.js";

/** OpenAI's documented limits for one batch input file. */
export const OPENAI_MAX_LINES_PER_FILE = 50_000;
export const OPENAI_MAX_BYTES_PER_FILE = 200 * 1000 * 1000;

export interface ExportBatchOptions {
  /** Only requests recorded by this engine kind ("openai"). */
  engine?: string;
  /** Only requests for this model. */
  model?: string;
  maxLinesPerFile?: number;
  maxBytesPerFile?: number;
  /**
   * Who will run the file. "openai" (default) writes every endpoint, each in its own file, and
   * warns about `/v1/completions` (which `vllm run-batch` rejects). "vllm" leaves requests to
   * endpoints run-batch cannot serve out of the files and counts them as skipped.
   */
  target?: "openai" | "vllm";
  onProgress?: ProgressListener;
}

export interface BatchFileInfo {
  path: string;
  /** The one endpoint all lines of this file call (the OpenAI Batch API requires one per file). */
  url: string;
  requests: number;
  bytes: number;
}

export interface ExportBatchResult {
  files: string[];
  details: BatchFileInfo[];
  requests: number;
  skipped: { reason: string; count: number }[];
  /** Human-readable cautions for the CLI to print (e.g. completions and vllm run-batch). */
  warnings: string[];
}

interface PendingRow {
  rowid: number;
  key: string;
  model: string | null;
  endpoint: string;
  request: string;
}

/** Buffer this much before a write call: few syscalls, bounded memory. */
const WRITE_CHUNK_BYTES = 1 << 20;

/**
 * Writes the run's pending requests (`request_cache.status = 'pending'`) as OpenAI Batch JSONL:
 * one line `{custom_id, method, url, body}` per request, `custom_id` = the cache key so that
 * `importBatch` can put each answer back. Lines are grouped into one file per endpoint and
 * split at the line and byte limits. Files appear only when all are complete (written under a
 * temporary name, then renamed), so a crash never leaves a half file under the final name.
 * With a single endpoint and a single part the file is `outPath` itself; otherwise the names
 * are `STEM.ENDPOINT[.NNN].EXT` next to it.
 */
export async function exportBatch(
  db: Database,
  outPath: string,
  options: ExportBatchOptions = {},
): Promise<ExportBatchResult> {
  const maxLines = options.maxLinesPerFile ?? OPENAI_MAX_LINES_PER_FILE;
  const maxBytes = options.maxBytesPerFile ?? OPENAI_MAX_BYTES_PER_FILE;
  if (!Number.isInteger(maxLines) || maxLines < 1) throw new OptionError("maxLinesPerFile", `must be a positive integer, got ${maxLines}`);
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new OptionError("maxBytesPerFile", `must be a positive integer, got ${maxBytes}`);
  const target = options.target ?? "openai";
  const onProgress = options.onProgress ?? silent;

  const filters: string[] = ["status = 'pending'"];
  const parameters: string[] = [];
  if (options.engine !== undefined) {
    filters.push("engine = ?");
    parameters.push(options.engine);
  }
  if (options.model !== undefined) {
    filters.push("model = ?");
    parameters.push(options.model);
  }
  const where = filters.join(" AND ");

  // Group stored endpoints by the url they map to: one batch file per url.
  const endpointsByUrl = new Map<string, string[]>();
  const endpoints = db.prepare(`SELECT DISTINCT endpoint FROM request_cache WHERE ${where} ORDER BY endpoint`).pluck().all(...parameters) as string[];
  for (const endpoint of endpoints) {
    const url = batchUrl(endpoint);
    endpointsByUrl.set(url, [...(endpointsByUrl.get(url) ?? []), endpoint]);
  }
  const total = (db.prepare(`SELECT COUNT(*) FROM request_cache WHERE ${where}`).pluck().get(...parameters) as number) ?? 0;

  const skipped = new Map<string, number>();
  const skip = (reason: string, count = 1): void => {
    skipped.set(reason, (skipped.get(reason) ?? 0) + count);
  };
  const warnings: string[] = [];
  const written: { temporary: string; url: string; part: number; requests: number; bytes: number }[] = [];
  const temporaryPrefix = `${outPath}.partial-${process.pid}-${Date.now()}`;
  let requests = 0;
  let seen = 0;
  // Only one part is open at a time; kept out here so a failure can remove it.
  let file: OpenPart | undefined;
  onProgress(progress.start("requests", total, "requests"));
  const started = Date.now();

  try {
    for (const [url, urlEndpoints] of endpointsByUrl) {
      if (target === "vllm" && !vllmRunBatchServes(url)) {
        const count = db
          .prepare(`SELECT COUNT(*) FROM request_cache WHERE ${where} AND endpoint IN (${urlEndpoints.map(() => "?").join(",")})`)
          .pluck()
          .get(...parameters, ...urlEndpoints) as number;
        skip(`vllm run-batch does not serve ${url}`, count);
        seen += count;
        continue;
      }
      let part = 0;
      const rows = pages(
        db.prepare(
          `SELECT rowid, key, model, endpoint, request FROM request_cache
           WHERE ${where} AND endpoint IN (${urlEndpoints.map(() => "?").join(",")}) AND rowid > ?
           ORDER BY rowid LIMIT ${PAGE_ROWS}`,
        ),
        [...parameters, ...urlEndpoints],
      );
      for await (const row of rows) {
        seen += 1;
        if (seen % 1000 === 0) onProgress(progress.tick("requests", seen, total));
        const body = requestBody(row);
        if (typeof body === "string") {
          skip(body);
          continue;
        }
        const line: BatchRequestLine = { custom_id: row.key, method: "POST", url, body };
        const text = `${JSON.stringify(line)}\n`;
        const bytes = Buffer.byteLength(text);
        if (bytes > maxBytes) {
          skip(`request larger than maxBytesPerFile (${maxBytes} bytes)`);
          continue;
        }
        if (file !== undefined && (file.requests >= maxLines || file.bytes + bytes > maxBytes)) {
          written.push(await file.close());
          file = undefined;
        }
        if (file === undefined) {
          part += 1;
          file = await OpenPart.create(`${temporaryPrefix}-${urlSlug(url)}-${part}`, url, part);
        }
        await file.append(text, bytes);
        requests += 1;
      }
      if (file !== undefined) written.push(await file.close());
      file = undefined;
    }

    const partsByUrl = new Map<string, number>();
    for (const file of written) partsByUrl.set(file.url, Math.max(partsByUrl.get(file.url) ?? 0, file.part));
    const details: BatchFileInfo[] = written.map((file) => ({
      path: finalName(outPath, file.url, file.part, partsByUrl),
      url: file.url,
      requests: file.requests,
      bytes: file.bytes,
    }));
    for (let index = 0; index < written.length; index += 1) await rename(written[index].temporary, details[index].path);
    if (written.length > 0) await syncDirectory(path.dirname(outPath));

    const completions = details.filter((file) => !vllmRunBatchServes(file.url));
    for (const file of completions) {
      warnings.push(
        `${file.requests} request(s) to ${file.url} are in ${file.path}: the OpenAI Batch API accepts them, vllm run-batch does not ` +
          `(export with target "vllm" to leave them out, and serve them with a live engine instead)`,
      );
    }
    onProgress(progress.end("requests", seen, (Date.now() - started) / 1000));
    return {
      files: details.map((file) => file.path),
      details,
      requests,
      skipped: [...skipped].map(([reason, count]) => ({ reason, count })),
      warnings,
    };
  } catch (error) {
    await Promise.all(written.map((file) => rm(file.temporary, { force: true })));
    await file?.abandon();
    throw error;
  }
}

/** Rows per page when walking the pending requests. */
const PAGE_ROWS = 1000;

/**
 * The rows of a query paged by rowid (the order requests were recorded in), one page at a
 * time. A better-sqlite3 iterator would keep the connection busy across our awaits, so any
 * other use of the database meanwhile would throw; a page is read whole, then it is free again.
 * Paging by rowid walks the table once; sorting by another column would re-sort every page.
 */
async function* pages(statement: Statement, parameters: string[]): AsyncGenerator<PendingRow> {
  let after = 0;
  for (;;) {
    const page = statement.all(...parameters, after) as PendingRow[];
    yield* page;
    if (page.length < PAGE_ROWS) return;
    after = page[page.length - 1].rowid;
  }
}

/** The body to send, or a reason the row cannot be exported. */
function requestBody(row: PendingRow): Record<string, unknown> | string {
  let body: unknown;
  try {
    body = JSON.parse(row.request);
  } catch {
    return "stored request is not valid JSON";
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "stored request is not a JSON object";
  const record = body as Record<string, unknown>;
  if (typeof record.model === "string" && record.model !== "") return record;
  if (row.model === null || row.model === "") return "no model in the request or the cache row";
  // The cache key leaves the model out of the body when the engine adds it at send time.
  return { model: row.model, ...record };
}

/** Makes the renames durable; some filesystems refuse fsync on a directory, which is fine. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r").catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

function finalName(outPath: string, url: string, part: number, partsByUrl: Map<string, number>): string {
  const extension = path.extname(outPath) || ".jsonl";
  const stem = path.extname(outPath) ? outPath.slice(0, -extension.length) : outPath;
  const parts = partsByUrl.get(url) ?? 1;
  if (partsByUrl.size === 1 && parts === 1) return path.extname(outPath) ? outPath : `${outPath}${extension}`;
  const pieces = [stem];
  if (partsByUrl.size > 1) pieces.push(urlSlug(url));
  if (parts > 1) pieces.push(String(part).padStart(3, "0"));
  return `${pieces.join(".")}${extension}`;
}

/** One batch file being written under a temporary name, with buffered appends. */
class OpenPart {
  requests = 0;
  bytes = 0;
  private buffer: string[] = [];
  private buffered = 0;

  private constructor(
    readonly temporary: string,
    readonly url: string,
    readonly part: number,
    private readonly handle: FileHandle,
  ) {}

  static async create(temporary: string, url: string, part: number): Promise<OpenPart> {
    return new OpenPart(temporary, url, part, await open(temporary, "w"));
  }

  /** Close and delete the part (after an error). */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temporary, { force: true });
  }

  async append(text: string, bytes: number): Promise<void> {
    this.buffer.push(text);
    this.buffered += bytes;
    this.requests += 1;
    this.bytes += bytes;
    if (this.buffered >= WRITE_CHUNK_BYTES) await this.flush();
  }

  async close(): Promise<{ temporary: string; url: string; part: number; requests: number; bytes: number }> {
    await this.flush();
    // The file is submitted to a paid API next: make sure what we report is on disk.
    await this.handle.sync();
    await this.handle.close();
    return { temporary: this.temporary, url: this.url, part: this.part, requests: this.requests, bytes: this.bytes };
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join("");
    this.buffer = [];
    this.buffered = 0;
    await this.handle.write(chunk);
  }
}
