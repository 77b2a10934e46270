import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Database } from "better-sqlite3";
import { InputError } from "../../core/errors.js";
import { progress, silent } from "../../core/events.js";
import type { ProgressListener } from "../../core/events.js";
import { batchResultLineSchema, describeError, usageSchema } from "./batch-line.js";
import type { BatchResultLine } from "./batch-line.js";

export interface ImportBatchOptions {
  /**
   * Skip lines that are not valid result lines (reported in `malformed`) instead of stopping at
   * the first one. Off by default: a damaged file usually means a truncated download.
   */
  skipMalformed?: boolean;
  onProgress?: ProgressListener;
}

export interface ImportBatchResult {
  /** Answers stored: their cache rows are now `done`. */
  imported: number;
  /** Requests the batch ran but did not answer with a 200; their rows stay pending for the next export. */
  failed: { customId: string; reason: string }[];
  /** Result lines whose custom_id is no request of this run. */
  unknown: number;
  /** Result lines for requests already answered (a second import, or a duplicate line). */
  alreadyDone: number;
  /** Lines skipped with `skipMalformed`, as `file:line: reason`. */
  malformed: string[];
}

/** Lines per transaction: one commit per line would make a 400K-line import crawl. */
const TRANSACTION_LINES = 1000;

/**
 * Reads an OpenAI Batch results file (or OpenAI's separate error file, same shape) and fills
 * the run's request cache: a 200 answer is stored as the row's response with its token usage,
 * the row turns `done`, and the usage ledger is credited (the batch is where those tokens were
 * spent). Anything else is reported in `failed` and the row stays pending. The file is
 * streamed; each block of lines commits together, so an interrupted import can simply be run
 * again (already-answered rows are counted, not overwritten).
 */
export async function importBatch(db: Database, resultsPath: string, options: ImportBatchOptions = {}): Promise<ImportBatchResult> {
  const onProgress = options.onProgress ?? silent;
  const find = db.prepare("SELECT status, engine, model, stage FROM request_cache WHERE key = ?");
  const storeAnswer = db.prepare(
    `UPDATE request_cache SET response = ?, status = 'done', prompt_tokens = ?, completion_tokens = ?, answered_at = ?
     WHERE key = ? AND status = 'pending'`,
  );
  const addUsage = db.prepare(
    `INSERT INTO usage (stage, engine, model, requests, cached, prompt_tokens, completion_tokens) VALUES (?, ?, ?, 1, 0, ?, ?)
     ON CONFLICT(stage, engine, model) DO UPDATE SET requests = requests + 1,
       prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens`,
  );
  const result: ImportBatchResult = { imported: 0, failed: [], unknown: 0, alreadyDone: 0, malformed: [] };

  const apply = db.transaction((lines: { result: BatchResultLine; at: string }[]) => {
    for (const { result: line, at } of lines) {
      const row = find.get(line.custom_id) as { status: string; engine: string; model: string; stage: string | null } | undefined;
      if (row === undefined) {
        result.unknown += 1;
        continue;
      }
      if (row.status === "done") {
        result.alreadyDone += 1;
        continue;
      }
      const answer = successfulBody(line);
      if (typeof answer === "string") {
        result.failed.push({ customId: line.custom_id, reason: answer });
        continue;
      }
      const usage = usageSchema.safeParse((answer as { usage?: unknown }).usage ?? {});
      const promptTokens = usage.success ? (usage.data.prompt_tokens ?? 0) : 0;
      const completionTokens = usage.success ? (usage.data.completion_tokens ?? 0) : 0;
      storeAnswer.run(JSON.stringify(answer), promptTokens, completionTokens, at, line.custom_id);
      addUsage.run(row.stage ?? "other", row.engine, row.model, promptTokens, completionTokens);
      result.imported += 1;
    }
  });

  const input = createReadStream(resultsPath, { encoding: "utf8" });
  const reader = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  let block: { result: BatchResultLine; at: string }[] = [];
  onProgress(progress.start("requests", undefined, "result lines"));
  const started = Date.now();
  try {
    for await (const text of reader) {
      lineNumber += 1;
      if (text.trim() === "") continue;
      const parsed = parseResultLine(text);
      if (typeof parsed === "string") {
        const message = `${resultsPath}:${lineNumber}: ${parsed}`;
        if (!options.skipMalformed) {
          // Commit what came before, so a fixed file re-imports only the rest.
          apply(block);
          throw new InputError("batch-result-malformed", `${message} (pass the skip option to import the other lines)`, {
            file: resultsPath,
            line: lineNumber,
          });
        }
        result.malformed.push(message);
        continue;
      }
      block.push({ result: parsed, at: new Date().toISOString() });
      if (block.length >= TRANSACTION_LINES) {
        apply(block);
        block = [];
        onProgress(progress.tick("requests", lineNumber, undefined, `imported ${result.imported}, failed ${result.failed.length}`));
      }
    }
    apply(block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError("batch-result-missing", `${resultsPath}: no such results file`, { file: resultsPath, cause: error });
    }
    throw error;
  } finally {
    reader.close();
    input.destroy();
  }
  onProgress(progress.end("requests", lineNumber, (Date.now() - started) / 1000));
  return result;
}

/** A validated result line, or why the line is not one. */
function parseResultLine(text: string): BatchResultLine | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `not valid JSON: ${snippet(text)}`;
  }
  const parsed = batchResultLineSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `not a batch result line: ${issue.path.join(".") || "(line)"}: ${issue.message}`;
  }
  return parsed.data;
}

/** The response body of a successful line, or a reason the request failed. */
function successfulBody(line: BatchResultLine): object | string {
  const response = line.response;
  if (line.error != null || response == null || response.status_code !== 200) {
    const status = response == null ? "no response" : `status ${response.status_code}`;
    const error = describeError(line.error);
    const fromBody = describeError(response?.body);
    const message = error.message ?? fromBody.message ?? "no error message";
    const code = error.code ?? fromBody.code;
    return `${status}${code === undefined ? "" : ` (${code})`}: ${message}`;
  }
  if (typeof response.body !== "object" || response.body === null || Array.isArray(response.body)) {
    return "status 200 but the response body is not a JSON object";
  }
  return response.body;
}

function snippet(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
