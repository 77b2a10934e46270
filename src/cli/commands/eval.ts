import type { Command } from "commander";
import { withProgressLog } from "../../store/progress-log.js";
import { GapfillError, UsageError } from "../../core/errors.js";
import type { EvaluationSummary } from "../../pipeline/evaluate/evaluation-summary.js";
import { type CliIo, type OutputFlags, progressFor, writeJson } from "../cli-io.js";
import { formatPairs, formatTable } from "../format-table.js";
import { evalSummaryPairs, percent } from "../../ui/eval-report-summary.js";
import { addCacheOptions, cacheFrom, type CacheFlags } from "./cache-flags.js";
import { addReadOptions, readOptionsFrom, type ReadFlags } from "./read-flags.js";
import { parseChoice, parseInteger, parsePositiveNumber } from "./parse-flags.js";

interface EvalFlags extends ReadFlags, OutputFlags, CacheFlags {
  student?: string;
  maxFailureRate: string;
  concurrency?: string;
  benchmark?: string;
  map?: string;
  shots: string;
  shotsFile?: string;
  maxTokens: string;
  samples: string;
  sampleTemperature: string;
  minPerRegion: string;
  promptStyle: string;
  template?: string;
  loss: boolean;
  limit?: string;
  seed: string;
  label?: string;
  strategy?: string;
  budget?: string;
  run?: string;
  answerBoxes: string;
  lastNumberFallback?: boolean;
}

/** `gapfill eval`: parses the flags, runs {@link evaluateBenchmark}, writes the page and prints the summary. */
export function registerEval(program: Command, io: CliIo): void {
  const command = program
    .command("eval")
    .description("Evaluate a student on a benchmark: accuracy with a 95% interval, per-item signals, and with --map density vs accuracy")
    .option("--student <spec>", "the student engine (llama:PATH.gguf, openai:MODEL@URL, ollama:MODEL)")
    .option("--benchmark <file>", "benchmark with questions and reference solutions (.jsonl, .json, .csv, .parquet)")
    .option("--map <run>", "a `gapfill map` run: place each question on that training map and relate density to accuracy")
    .option("--shots <k>", "worked examples before each question (few-shot), taken from --shots-file", "0")
    .option("--shots-file <file>", "file the --shots examples come from (its first K rows)")
    .option("--max-tokens <n>", "output budget per answer", "512")
    .option("--samples <k>", "also sample K answers per item and store their disagreement (entropy)", "0")
    .option("--sample-temperature <t>", "temperature of the --samples answers (the judged answer is always greedy)", "0.7")
    .option("--min-per-region <m>", "with --map: merge grid cells until each region holds at least M items", "10")
    .option("--prompt-style <style>", "completion (one text prompt; losses score that same text) | chat", "completion")
    .option("--template <file>", "your own question template ({{question}}, optional {{shots}})")
    .option("--answer-boxes <which>", "with several \\boxed{} in an output: last (with the boxes joined to it) | first | all", "last")
    .option("--last-number-fallback", "when an output states no final answer, take the last number of its prose (the report says so)")
    .option("--no-loss", "skip the loss signals (teacher-forced scoring of the reference and of the student's answer)")
    .option("--limit <n>", "evaluate only the first N items")
    .option("--seed <n>", "seed of the sampled answers", "0")
    .option("--concurrency <n>", "items in flight at once (default: twice the engine's request concurrency, so its endpoint stays busy)")
    .option("--max-failure-rate <r>", "stop once more than this share of items failed (each is recorded and retried by a rerun)", "0.2")
    .option("--label <name>", "row of this run in `gapfill compare` (default: the student's model name)")
    .option("--strategy <name>", "how the student was trained, for `gapfill compare` (default: base, i.e. not on generated data)")
    .option("--budget <n>", "generation budget the student was trained with, for `gapfill compare`")
    .option("--run <dir>", "run directory (default ./runs/<timestamp-name>)")
    .option("--json", "print the results as JSON on stdout")
    .option("-q, --quiet", "no progress output");
  addReadOptions(command);
  addCacheOptions(command);
  command.action(async (flags: EvalFlags) => {
    if (!flags.student) throw new UsageError("--student SPEC is required (the model to evaluate)", "--student");
    if (!flags.benchmark) throw new UsageError("--benchmark FILE is required", "--benchmark");
    const source = {
      benchmark: flags.benchmark,
      readOptions: readOptionsFrom(flags),
      limit: flags.limit === undefined ? undefined : parseInteger(flags.limit, "--limit", 1),
      style: parseChoice(flags.promptStyle, ["completion", "chat"] as const, "--prompt-style"),
      templateFile: flags.template,
      shots: parseInteger(flags.shots, "--shots", 0),
      shotsFile: flags.shotsFile,
    };
    const options = {
      maxTokens: parseInteger(flags.maxTokens, "--max-tokens", 1),
      samples: parseInteger(flags.samples, "--samples", 0),
      sampleTemperature: parsePositiveNumber(flags.sampleTemperature, "--sample-temperature"),
      seed: parseInteger(flags.seed, "--seed", 0),
      maxFailureRate: parseShare(flags.maxFailureRate, "--max-failure-rate"),
      concurrency: flags.concurrency === undefined ? undefined : parseInteger(flags.concurrency, "--concurrency", 1),
      lossSignals: flags.loss,
      answerBoxes: parseChoice(flags.answerBoxes, ["last", "first", "all"] as const, "--answer-boxes"),
      lastNumberFallback: flags.lastNumberFallback === true,
      map: flags.map,
      minPerRegion: parseInteger(flags.minPerRegion, "--min-per-region", 1),
      label: flags.label,
      strategy: flags.strategy,
      budget: flags.budget,
    };

    const [{ loadBenchmark }, { evaluateBenchmark }, { openRun, defaultRunDir, atomicWriteFile }, { createEngine }] = await Promise.all([
      import("../../pipeline/evaluate/load-benchmark.js"),
      import("../../pipeline/evaluate/evaluate-benchmark.js"),
      import("../../store/index.js"),
      import("../../engines/create-engine.js"),
    ]);
    // Files are read before the run is opened: a bad flag or file leaves no run directory behind.
    const benchmark = await loadBenchmark(source);
    const renderer = await progressFor(io, flags);
    const run = await openRun(flags.run ?? defaultRunDir(), { command: "eval", argv: process.argv.slice(2), onNotice: (m) => io.stderr.write(`gapfill: ${m}\n`) });
    // Progress also goes to the run's event log, where `gapfill ui` follows it live.
    const onEvent = withProgressLog(run, renderer);
    let student;
    try {
      student = await createEngine(flags.student, { cache: await cacheFrom(run.db, flags), onEvent, option: "student" });
      const { result, density, summary } = await evaluateBenchmark(student, run, benchmark, { ...options, onEvent });
      const [{ renderEvalReport }, { evalReportData }] = await Promise.all([import("../../ui/eval-report.js"), import("../../ui/eval-report-data.js")]);
      await atomicWriteFile(summary.report, renderEvalReport(evalReportData(result, evalSummaryPairs(summary), density)));
      await (await import("../../ui/run-pages.js")).writeRunIndex(run.dir);
      renderer.close();
      if (flags.json) writeJson(io, summary);
      else io.stdout.write(formatEvalSummary(summary));
      if (result.failed > 0) {
        // The evaluation is unfinished: exit 1, so a script does not take it as done.
        throw new GapfillError("items-failed", `${result.failed} of ${benchmark.items.length} items failed and are not judged (reasons above); run the same command again to retry them`, { retryable: true });
      }
    } finally {
      renderer.close();
      await student?.close();
      run.close();
    }
  });
}

function parseShare(value: string, flag: string): number {
  const share = Number(value);
  if (!Number.isFinite(share) || share < 0 || share > 1) throw new UsageError(`${flag} must be a number in [0, 1], got "${value}"`, flag);
  return share;
}

/** The summary for the terminal: the pairs, then on a map the region table and the placement notes. */
export function formatEvalSummary(summary: EvaluationSummary): string {
  let text = formatPairs(evalSummaryPairs(summary));
  const da = summary.densityAccuracy;
  if (da) {
    text +=
      "\n" +
      formatTable(
        ["region", "cells", "density", "items", "accuracy", "95% interval"],
        da.regions.map((region) => [region.id, region.cells, Number(region.density.toFixed(1)), region.items, percent(region.accuracy), `${percent(region.interval95[0])} – ${percent(region.interval95[1])}`]),
      );
    for (const note of da.notes) text += `note: ${note}\n`;
  }
  return text + `(${summary.seconds.toFixed(1)} s, ${summary.judgedNow} items judged now)\n`;
}
