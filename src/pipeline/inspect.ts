import { stat } from "node:fs/promises";
import type { DatasetFormat, FieldMapping, SkippedRow } from "../core/example.js";
import { type ProgressListener, progress, silent } from "../core/events.js";
import { type ExtractionMethod, extractAnswer } from "../data/answers/extract-answer.js";
import { MinHashIndex } from "../data/near-duplicates.js";
import { openDataset, type ReadOptions } from "../data/read-dataset.js";
import { approximateTokens, type Summary, summarize } from "./text-stats.js";

/** A row worth a look: why, and where it is. */
export interface ProblemRow {
  line: number;
  id: string;
  kind: "no-answer" | "empty-question" | "empty-answer" | "duplicate-id" | "exact-duplicate" | "near-duplicate";
  detail: string;
}

export interface InspectReport {
  path: string;
  format: DatasetFormat;
  bytes: number;
  rows: number;
  schema: FieldMapping["schema"];
  mapping: FieldMapping;
  fields: string[];
  answers: { total: number; extracted: number; byMethod: Partial<Record<ExtractionMethod, number>> };
  /** Approximate token counts (see text-stats.ts). */
  lengths: { question: Summary; answer: Summary };
  duplicates: { exactRows: number; nearRows: number; duplicateIds: number };
  skipped: { count: number; byReason: Record<string, number>; first: SkippedRow[] };
  /** How many problem rows there are, and the first few of them. */
  problems: { count: number; byKind: Partial<Record<ProblemRow["kind"], number>>; first: ProblemRow[] };
  seconds: number;
}

export interface InspectOptions extends ReadOptions {
  /** Estimated Jaccard similarity at which two questions count as near duplicates. */
  nearDuplicateThreshold?: number;
  /** How many problem rows to list. */
  showProblems?: number;
  onEvent?: ProgressListener;
}

/**
 * Reads a dataset once, streaming, and reports what a user should know before spending money on
 * it: size, schema, whether answers extract, lengths, duplicates, and the first problem rows.
 */
export async function inspectDataset(path: string, options: InspectOptions = {}): Promise<InspectReport> {
  const onEvent = options.onEvent ?? silent;
  const started = performance.now();
  const reader = await openDataset(path, options);
  const bytes = (await stat(path)).size;
  const showProblems = options.showProblems ?? 5;

  const questionTokens: number[] = [];
  const answerTokens: number[] = [];
  const byMethod: Partial<Record<ExtractionMethod, number>> = {};
  const byKind: Partial<Record<ProblemRow["kind"], number>> = {};
  const problems: ProblemRow[] = [];
  const seenIds = new Set<string>();
  const duplicates = new MinHashIndex({ threshold: options.nearDuplicateThreshold ?? 0.8 });
  let extracted = 0;
  let exactRows = 0;
  let nearRows = 0;
  let duplicateIds = 0;
  let rows = 0;

  const problem = (row: ProblemRow) => {
    byKind[row.kind] = (byKind[row.kind] ?? 0) + 1;
    if (problems.length < showProblems) problems.push(row);
  };

  onEvent(progress.start("inspect", bytes, "bytes"));
  let lastTick = 0;
  for await (const example of reader.rows()) {
    rows++;
    const { id, question, answer } = example;
    const line = example.source.line;
    questionTokens.push(approximateTokens(question));
    answerTokens.push(approximateTokens(answer));

    const found = extractAnswer(answer);
    if (found) {
      extracted++;
      byMethod[found.method] = (byMethod[found.method] ?? 0) + 1;
    } else if (answer.trim()) {
      problem({ line, id, kind: "no-answer", detail: "no final answer found (#### N, \\boxed{…}, ### final answer, \"The answer is …\")" });
    }
    if (!question.trim()) problem({ line, id, kind: "empty-question", detail: "question is empty" });
    if (!answer.trim()) problem({ line, id, kind: "empty-answer", detail: "answer is empty" });

    if (seenIds.has(id)) {
      duplicateIds++;
      problem({ line, id, kind: "duplicate-id", detail: `id ${id} appears more than once` });
    } else {
      seenIds.add(id);
    }

    const match = duplicates.add(id, question);
    if (match?.exact) {
      exactRows++;
      problem({ line, id, kind: "exact-duplicate", detail: `same question as ${match.id}` });
    } else if (match) {
      nearRows++;
      problem({ line, id, kind: "near-duplicate", detail: `nearly the same question as ${match.id} (Jaccard ≈ ${match.jaccard.toFixed(2)})` });
    }

    if (rows - lastTick >= 2000) {
      lastTick = rows;
      onEvent(progress.tick("inspect", reader.bytesRead(), bytes, `${rows} rows`));
    }
  }
  const seconds = (performance.now() - started) / 1000;
  onEvent(progress.end("inspect", bytes, seconds));

  const problemCount = Object.values(byKind).reduce((a, b) => a + (b ?? 0), 0);
  return {
    path,
    format: reader.format,
    bytes,
    rows,
    schema: reader.mapping.schema,
    mapping: reader.mapping,
    fields: reader.fields,
    answers: { total: rows, extracted, byMethod },
    lengths: { question: summarize(questionTokens), answer: summarize(answerTokens) },
    duplicates: { exactRows, nearRows, duplicateIds },
    skipped: { count: reader.skipped.count, byReason: reader.skipped.byReason, first: reader.skipped.first },
    problems: { count: problemCount, byKind, first: problems },
    seconds,
  };
}
