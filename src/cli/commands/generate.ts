import type { Command } from "commander";
import { withProgressLog } from "../../store/progress-log.js";
import type { Engine } from "../../core/engine.js";
import { GapfillError, UsageError } from "../../core/errors.js";
import type { GenerateResult } from "../../pipeline/generate/generate-summary.js";
import { type CliIo, type OutputFlags, progressFor, writeJson } from "../cli-io.js";
import { formatPairs } from "../format-table.js";
import { addCacheOptions, cacheFrom, type CacheFlags } from "./cache-flags.js";
import { addReadOptions, readOptionsFrom, type ReadFlags } from "./read-flags.js";
import { parseChoice, parseInteger, parsePositiveNumber } from "./parse-flags.js";
import { addStrategyOptions, strategyFromFlags } from "./strategy-flags.js";

interface GenerateFlags extends ReadFlags, OutputFlags, CacheFlags {
  strategy: string;
  budget?: string;
  teacher?: string;
  student?: string;
  compareRandom?: boolean;
  prompts?: string;
  verify?: boolean;
  decontaminate?: string[] | boolean;
  ngram: string;
  duplicateThreshold: string;
  maxTeacherTokens?: string;
  maxAttempts?: string;
  maxFailureRate: string;
  temperature: string;
  maxTokens: string;
  concurrency?: string;
  jsonSchema: boolean;
  export?: string;
  systemPrompt?: string;
  embedding: string;
  pairs: string;
  seed: string;
  run?: string;
}

export function registerGenerate(program: Command, io: CliIo): void {
  const command = program
    .command("generate")
    .description("Have a teacher write new examples where the set is thin (embed: EmbedSDG seed pairs) or from random seeds (the baseline)")
    .argument("<dataset>", "the fine-tuning set (.jsonl, .json, .csv, .parquet) the run's map was made from")
    .option("--run <dir>", "run directory (required): holds the map, the state to resume, synthetic.jsonl and generate.html")
    .option("--budget <n>", "accepted examples to reach (rejected ones do not count); re-running continues to it")
    .option("--teacher <spec>", "teacher engine: openai:MODEL@URL, ollama:MODEL or llama:PATH.gguf (API key from OPENAI_API_KEY)")
    .option("--student <spec>", "student engine: decodes interpolated seed pairs (llama:PATH.gguf) and places examples on a student-made map")
    .option("--compare-random", "afterwards run the random baseline at the same budget, and show both in generate.html")
    .option("--prompts <dir>", "folder with your own copy.md, two-seed.md, one-seed.md, solve.md (any subset) replacing the built-in prompts")
    .option("--verify", "the teacher solves each new question again; keep the example only if both answers agree")
    .option("--decontaminate <files...>", "benchmark test sets: drop examples sharing a long n-gram with them (default: the dataset's sibling test.jsonl, if any)")
    .option("--no-decontaminate", "no decontamination, not even against a sibling test.jsonl")
    .option("--ngram <n>", "words per decontamination n-gram", "13")
    .option("--duplicate-threshold <j>", "MinHash Jaccard at or above which a question duplicates a seed or an accepted one", "0.8")
    .option("--max-teacher-tokens <n>", "stop sending once the teacher has used this many tokens (prompt + completion) in this strategy")
    .option("--max-attempts <n>", "give up after this many attempts (default max(50, 10 × budget))")
    .option("--max-failure-rate <r>", "stop once more than this share of teacher requests failed (each failed one is recorded and retried by a rerun)", "0.2")
    .option("--temperature <t>", "teacher sampling temperature (each attempt has its own sampling seed)", "0.8")
    .option("--max-tokens <n>", "teacher reply limit in tokens", "1024")
    .option("--concurrency <n>", "teacher attempts in flight (default twice the teacher's ?concurrency=, which bounds its requests in flight)")
    .option("--no-json-schema", "do not constrain the teacher with a JSON schema (for servers that reject response_format)")
    .option("--export <shapes>", "also write synthetic-<strategy>.<shape>.jsonl for trainers: chat, alpaca, plain (comma-separated)")
    .option("--system-prompt <text>", "system turn put first in the chat export")
    .option("--embedding <mode>", "when the run has no map yet: how the student embeds (pooled | mean | input-uniform | input-idf)", "pooled")
    .option("--pairs <n>", "when the run has no map yet: seed pairs to pick", "20")
    .option("--seed <n>", "random seed (seed order, sampling seeds, the map when made here)", "0")
    .option("--json", "print a summary as JSON on stdout")
    .option("-q, --quiet", "no progress output");
  addStrategyOptions(command, "generate", "embed");
  addReadOptions(command);
  addCacheOptions(command);
  command.action(async (dataset: string, flags: GenerateFlags) => {
    if (!flags.run) throw new UsageError("--run DIR is required: the map and the state to resume live there", "--run");
    if (!flags.budget) throw new UsageError("--budget N is required (accepted examples to reach)", "--budget");
    if (!flags.teacher) throw new UsageError("--teacher SPEC is required (e.g. openai:gpt-4o-mini@https://api.openai.com/v1)", "--teacher");
    const { strategy, options: strategyOptions } = strategyFromFlags(flags as unknown as Record<string, unknown> & GenerateFlags, "generate");
    const embedding = parseChoice(flags.embedding, ["pooled", "mean", "input-uniform", "input-idf"] as const, "--embedding");
    const shapes = flags.export === undefined ? [] : flags.export.split(",").map((shape) => parseChoice(shape.trim(), ["chat", "alpaca", "plain"] as const, "--export"));
    const duplicateThreshold = parsePositiveNumber(flags.duplicateThreshold, "--duplicate-threshold");
    if (duplicateThreshold > 1) throw new UsageError(`--duplicate-threshold must be in (0, 1], got ${flags.duplicateThreshold}`, "--duplicate-threshold");
    const temperature = Number(flags.temperature);
    if (!Number.isFinite(temperature) || temperature < 0) throw new UsageError(`--temperature must be a number ≥ 0, got "${flags.temperature}"`, "--temperature");
    const options = {
      ...readOptionsFrom(flags),
      budget: parseInteger(flags.budget, "--budget", 1),
      strategyOptions,
      prompts: flags.prompts,
      verify: flags.verify ?? false,
      decontaminate: flags.decontaminate === false ? (false as const) : Array.isArray(flags.decontaminate) ? flags.decontaminate : undefined,
      ngram: parseInteger(flags.ngram, "--ngram", 1),
      duplicateThreshold,
      maxTeacherTokens: flags.maxTeacherTokens === undefined ? undefined : parseInteger(flags.maxTeacherTokens, "--max-teacher-tokens", 1),
      maxAttempts: flags.maxAttempts === undefined ? undefined : parseInteger(flags.maxAttempts, "--max-attempts", 1),
      maxFailureRate: parseFailureRate(flags.maxFailureRate),
      temperature,
      maxTokens: parseInteger(flags.maxTokens, "--max-tokens", 1),
      concurrency: flags.concurrency === undefined ? undefined : parseInteger(flags.concurrency, "--concurrency", 1),
      jsonSchema: flags.jsonSchema,
      embedding,
      pairs: parseInteger(flags.pairs, "--pairs", 1),
      seed: parseInteger(flags.seed, "--seed", 0),
    };

    const [{ generateExamples }, { exportSynthetic }, { openRun }, { atomicWriteFile }, { renderGenerateReport }, { generateReportData }, { createEngine }] =
      await Promise.all([
        import("../../pipeline/generate/generate-examples.js"),
        import("../../pipeline/generate/export-synthetic.js"),
        import("../../store/index.js"),
        import("../../store/atomic-write.js"),
        import("../../ui/generate-report.js"),
        import("../../ui/generate-report-data.js"),
        import("../../engines/create-engine.js"),
      ]);
    const renderer = await progressFor(io, flags);
    const run = await openRun(flags.run, { command: "generate", argv: process.argv.slice(2), onNotice: (m) => io.stderr.write(`gapfill: ${m}\n`) });
    // Progress also goes to the run's event log, where `gapfill ui` follows it live.
    const onEvent = withProgressLog(run, renderer);
    let teacher: Engine | undefined;
    let student: Engine | undefined;
    try {
      const cache = await cacheFrom(run.db, flags);
      teacher = await createEngine(flags.teacher, { cache, onEvent, option: "teacher" });
      if (flags.student) student = await createEngine(flags.student, { cache, onEvent, option: "student" });
      // The baseline at the same budget, beside the strategy asked for (when that is not the baseline itself).
      const strategies = flags.compareRandom && strategy.name !== "random" ? [strategy.name, "random"] : [strategy.name];
      const results: GenerateResult[] = [];
      const exports: Array<{ path: string; records: number }> = [];
      for (const name of strategies) {
        results.push(await generateExamples(dataset, run, { ...options, strategy: name, strategyOptions: name === strategy.name ? strategyOptions : {}, teacher, student, onEvent }));
        for (const shape of shapes) exports.push(await exportSynthetic(run, name, shape, { systemPrompt: flags.systemPrompt }));
      }
      const { runPagePath, writeRunIndex } = await import("../../ui/run-pages.js");
      const reportPath = runPagePath(run.dir, "generate.html");
      await atomicWriteFile(reportPath, renderGenerateReport(await generateReportData(run.dir)));
      await writeRunIndex(run.dir);
      renderer.close();
      if (flags.json) writeJson(io, { run: run.dir, report: reportPath, exports, results });
      else io.stdout.write(results.map(formatResult).join("\n") + formatPairs([...exports.map((e): [string, string] => ["export", `${e.path} (${e.records} records)`]), ["report", reportPath]]));
      // Short of the budget because replies were rejected is a failure; stopping at the user's own
      // --max-teacher-tokens cap is what was asked for.
      const short = results.filter((result) => result.accepted < result.budget && result.stopped !== "max-teacher-tokens");
      if (short.length > 0) {
        const { GenerateStore } = await import("../../pipeline/generate/generate-store.js");
        const store = new GenerateStore(run.db);
        for (const result of short) io.stderr.write(shortfallReport(result, store.rejectionSamples(result.strategy)));
        throw new GapfillError("budget-not-reached", short.map((result) => `${result.strategy}: accepted ${result.accepted} of ${result.budget} (stopped: ${result.stopped})`).join("; "));
      }
    } finally {
      renderer.close();
      await teacher?.close();
      await student?.close();
      run.close();
    }
  });
}

function parseFailureRate(value: string): number {
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new UsageError(`--max-failure-rate must be a number in [0, 1], got "${value}"`, "--max-failure-rate");
  return rate;
}

/** Why a strategy ended short of its budget: each rejection reason with its count, the commonest with a sample reply. */
function shortfallReport(result: GenerateResult, samples: Array<{ reason: string; count: number; detail: string | null; raw: string | null }>): string {
  const lines = [`gapfill: ${result.strategy} ended with ${result.accepted} of ${result.budget} accepted (stopped: ${result.stopped}); rejections:`];
  for (const sample of samples) lines.push(`  ${sample.reason}: ${sample.count}${sample.detail ? ` (e.g. ${oneLine(sample.detail, 160)})` : ""}`);
  if (samples.length === 0) lines.push("  none");
  const withRaw = samples.find((sample) => sample.raw);
  if (withRaw?.raw) lines.push(`  sample ${withRaw.reason} reply: ${oneLine(withRaw.raw, 300)}`);
  return lines.join("\n") + "\n";
}

function oneLine(text: string, max: number): string {
  const flat = JSON.stringify(text.replace(/\s+/g, " ").trim());
  return flat.length > max ? `${flat.slice(0, max)}…"` : flat;
}

function formatResult(result: GenerateResult): string {
  const percent = (value: number | null | undefined) => (value === null || value === undefined ? "–" : `${(100 * value).toFixed(0)}%`);
  const rejected = Object.entries(result.rejected).map(([reason, count]) => `${reason} ${count}`).join(", ") || "none";
  const pairs: Array<[string, string]> = [
    ["strategy", result.strategy],
    ["accepted", `${result.accepted} of ${result.budget}${result.stopped === "budget" ? "" : ` (stopped: ${result.stopped})`}`],
    ["attempts", `${result.attempts}; rejected: ${rejected}`],
    ["teacher", `${result.teacher.requests} requests (${result.teacher.cached} from the cache), ${result.teacher.promptTokens} prompt + ${result.teacher.completionTokens} completion tokens`],
    ["partials", result.decode.used ? "decoded by the student" : result.decode.note ? `none (${result.decode.note})` : "none"],
  ];
  if (result.decontamination) pairs.push(["decontamination", `${result.decontamination.ngram}-grams of ${result.decontamination.texts} texts in ${result.decontamination.files.join(", ")}`]);
  const targeting = result.targeting;
  if (targeting) {
    pairs.push([
      "targeting",
      `${percent(targeting.targetHitRate)} in or next to their target cell; ${percent(targeting.sparseHitRate)} in or next to a sparse cell (dataset ${percent(targeting.datasetSparseShare)})`,
    ]);
    pairs.push(["sparse cells", `${targeting.sparseCells.pointsBefore} → ${targeting.sparseCells.pointsBefore + targeting.sparseCells.pointsAdded} points (+${targeting.sparseCells.risePercent.toFixed(1)}%)`]);
  } else if (result.targetingNote) pairs.push(["targeting", result.targetingNote]);
  pairs.push(["synthetic", result.syntheticPath], ["time", `${result.seconds.toFixed(1)} s`]);
  return formatPairs(pairs);
}
