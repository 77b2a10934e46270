import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { InspectReport } from "../../pipeline/inspect.js";
import type { EmbeddingsCheck } from "../../pipeline/map/precomputed-embeddings.js";
import { vectorsFileText } from "../../ui/map-report-data.js";
import { parseInteger } from "./parse-flags.js";
import { type CliIo, type OutputFlags, progressFor, writeJson } from "../cli-io.js";
import { formatBytes, formatPairs } from "../format-table.js";
import { addReadOptions, readOptionsFrom, type ReadFlags } from "./read-flags.js";

export function registerInspect(program: Command, io: CliIo): void {
  const command = program
    .command("inspect")
    .description("Report rows, schema, extractable answers, lengths, duplicates and problem rows of a dataset")
    .argument("<dataset>", "a .jsonl, .json, .csv or .parquet file")
    .option("--show <n>", "how many problem rows to list", "5")
    .option("--embeddings <file>", "also check a vector file for `gapfill map --embeddings`: one finite vector per row, its dims and digest")
    .option("--embedding-column <name>", "the vector column of a .parquet --embeddings file")
    .option("--embedding-dims <n>", "vector length of --embeddings (reads a raw .f32 by it)")
    .option("--json", "print the report as JSON on stdout")
    .option("-q, --quiet", "no progress output");
  addReadOptions(command);
  command.action(async (dataset: string, flags: ReadFlags & OutputFlags & VectorFlags & { show: string }) => {
    const { inspectDataset } = await import("../../pipeline/inspect.js");
    const embeddingDims = flags.embeddingDims === undefined ? undefined : parseInteger(flags.embeddingDims, "--embedding-dims", 1);
    if (flags.embeddings === undefined && (flags.embeddingColumn !== undefined || embeddingDims !== undefined)) {
      throw new UsageError(`${flags.embeddingColumn !== undefined ? "--embedding-column" : "--embedding-dims"} describes the --embeddings file: give --embeddings too`, "--embeddings");
    }
    const renderer = await progressFor(io, flags);
    try {
      const report = await inspectDataset(dataset, {
        ...readOptionsFrom(flags),
        showProblems: Number.parseInt(flags.show, 10) || 5,
        onEvent: renderer,
      });
      let vectors: EmbeddingsCheck | undefined;
      if (flags.embeddings !== undefined) {
        const { checkEmbeddingsFor } = await import("../../pipeline/map/precomputed-embeddings.js");
        vectors = await checkEmbeddingsFor({ path: dataset, rows: report.rows }, { embeddings: flags.embeddings, embeddingColumn: flags.embeddingColumn, embeddingDims });
      }
      renderer.close();
      if (flags.json) writeJson(io, vectors ? { ...report, vectors } : report);
      else io.stdout.write(formatInspectReport(report) + (vectors ? formatVectors(vectors) : ""));
    } finally {
      renderer.close();
    }
  });
}

interface VectorFlags {
  embeddings?: string;
  embeddingColumn?: string;
  embeddingDims?: string;
}

/** The vector file's line, after the dataset's report. */
function formatVectors(vectors: EmbeddingsCheck): string {
  return formatPairs([["vectors", `${vectors.rows} × ${vectors.cols}, one per row, all finite: ${vectorsFileText(vectors.file)}`]]);
}

const fixed = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export function formatInspectReport(report: InspectReport): string {
  const { mapping, answers, lengths, duplicates, problems, skipped } = report;
  const methods = Object.entries(answers.byMethod)
    .map(([method, count]) => `${method} ${count}`)
    .join(", ");
  const fieldsUsed = [`question: ${mapping.questionField}`, `answer: ${mapping.answerField}`];
  if (mapping.inputField) fieldsUsed.push(`input: ${mapping.inputField}`);
  const length = (s: InspectReport["lengths"]["question"]) =>
    `mean ${fixed(s.mean)}, median ${s.p50}, p95 ${s.p95}, max ${s.max}`;
  const pairs: Array<[string, string]> = [
    ["dataset", `${report.path} (${report.format}, ${formatBytes(report.bytes)})`],
    ["rows", String(report.rows)],
    ["schema", `${report.schema} (${fieldsUsed.join(", ")})`],
    ["fields", report.fields.join(", ")],
    ["answers", `${answers.extracted}/${answers.total} extracted${methods ? ` (${methods})` : ""}`],
    ["question ≈tokens", length(lengths.question)],
    ["answer ≈tokens", length(lengths.answer)],
    [
      "duplicates",
      `${duplicates.exactRows} exact, ${duplicates.nearRows} near (questions)` +
        (duplicates.duplicateIds ? `, ${duplicates.duplicateIds} repeated ids` : ""),
    ],
  ];
  if (skipped.count > 0) {
    const reasons = Object.entries(skipped.byReason).map(([reason, count]) => `${reason} ${count}`);
    pairs.push(["skipped", `${skipped.count} rows (${reasons.join(", ")})`]);
  }
  pairs.push(["problem rows", problems.count === 0 ? "none" : String(problems.count)]);
  let text = formatPairs(pairs);
  for (const row of skipped.first) text += `  skipped ${row.file}:${row.line}: ${row.reason}\n`;
  for (const row of problems.first) text += `  line ${row.line} (${row.id}): ${row.kind}: ${row.detail}\n`;
  text += `(${report.seconds.toFixed(2)} s)\n`;
  return text;
}
