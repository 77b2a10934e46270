import { existsSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { type CliIo, type OutputFlags, progressFor, writeJson } from "../cli-io.js";
import { formatPairs } from "../format-table.js";
import { parseChoice } from "./parse-flags.js";

/**
 * Batch mode: a stage run with `--batch` records the requests it has no answer for instead of
 * sending them; `batch export` writes them as OpenAI Batch JSONL (OpenAI Batch API, `vllm
 * run-batch`), `batch import` puts the results into the run's cache, and the same stage command
 * then continues from there without sending anything already answered.
 */
export function registerBatch(program: Command, io: CliIo): void {
  const batch = program.command("batch").description("Move a run's pending requests through OpenAI Batch JSONL files");
  batch
    .command("export")
    .description("Write the run's pending requests as OpenAI Batch JSONL (custom_id, method, url, body)")
    .requiredOption("--run <dir>", "run directory")
    .requiredOption("--out <file>", "output .jsonl (split per endpoint and size when needed)")
    .option("--target <who>", "openai | vllm (vllm run-batch serves no /v1/completions: those are left out)", "openai")
    .option("--model <name>", "only requests for this model")
    .option("--json", "print the result as JSON on stdout")
    .option("-q, --quiet", "no progress output")
    .action(async (flags: OutputFlags & { run: string; out: string; target: string; model?: string }) => {
      const target = parseChoice(flags.target, ["openai", "vllm"] as const, "--target");
      const [{ openRun }, { exportBatch }] = await Promise.all([import("../../store/index.js"), import("../../engines/batch/index.js")]);
      const run = await openRun(existingRun(flags.run), { command: "batch export" });
      const renderer = await progressFor(io, flags);
      try {
        const result = await exportBatch(run.db, flags.out, { target, model: flags.model, onProgress: renderer });
        renderer.close();
        run.event("batch-export", { requests: result.requests, files: result.files });
        if (flags.json) return writeJson(io, result);
        for (const warning of result.warnings) io.stderr.write(`gapfill: warning: ${warning}\n`);
        const pairs: Array<[string, string]> = [["requests", String(result.requests)]];
        for (const file of result.details) pairs.push([file.url, `${file.requests} → ${file.path}`]);
        for (const skipped of result.skipped) pairs.push(["skipped", `${skipped.count} (${skipped.reason})`]);
        io.stdout.write(formatPairs(pairs));
      } finally {
        renderer.close();
        run.close();
      }
    });
  batch
    .command("import")
    .description("Fill the run's request cache from a batch results file; then rerun the stage")
    .argument("<results>", "results .jsonl from the OpenAI Batch API or vllm run-batch (or an error file)")
    .requiredOption("--run <dir>", "run directory")
    .option("--skip-malformed", "skip lines that are not result lines, and list them")
    .option("--json", "print the result as JSON on stdout")
    .option("-q, --quiet", "no progress output")
    .action(async (results: string, flags: OutputFlags & { run: string; skipMalformed?: boolean }) => {
      const [{ openRun }, { importBatch }] = await Promise.all([import("../../store/index.js"), import("../../engines/batch/index.js")]);
      const run = await openRun(existingRun(flags.run), { command: "batch import" });
      const renderer = await progressFor(io, flags);
      try {
        const result = await importBatch(run.db, results, { skipMalformed: flags.skipMalformed, onProgress: renderer });
        renderer.close();
        run.event("batch-import", { imported: result.imported, failed: result.failed.length });
        if (flags.json) return writeJson(io, result);
        const pairs: Array<[string, string]> = [
          ["imported", String(result.imported)],
          ["failed", String(result.failed.length) + (result.failed.length ? " (still pending: export again)" : "")],
          ["already answered", String(result.alreadyDone)],
          ["not of this run", String(result.unknown)],
        ];
        if (result.malformed.length) pairs.push(["malformed", String(result.malformed.length)]);
        io.stdout.write(formatPairs(pairs));
        for (const failure of result.failed.slice(0, 5)) io.stdout.write(`  ${failure.customId}: ${failure.reason}\n`);
        for (const line of result.malformed.slice(0, 5)) io.stdout.write(`  ${line}\n`);
      } finally {
        renderer.close();
        run.close();
      }
    });
}

function existingRun(dir: string): string {
  // A typo in --run must not silently create an empty run.
  if (!existsSync(`${dir}/gapfill.db`)) throw new UsageError(`--run ${dir} is not a gapfill run (no gapfill.db)`, "--run");
  return dir;
}
