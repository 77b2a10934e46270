import { existsSync } from "node:fs";
import type { Command } from "commander";
import { withProgressLog } from "../../store/progress-log.js";
import type { Engine } from "../../core/engine.js";
import { UsageError } from "../../core/errors.js";
import type { LoopResult } from "../../pipeline/loop/run-loop.js";
import { type CliIo, type OutputFlags, progressFor, writeJson } from "../cli-io.js";
import { formatPairs, formatTable } from "../format-table.js";
import { addReadOptions, readOptionsFrom, type ReadFlags } from "./read-flags.js";
import { parseChoice, parseInteger, parsePositiveNumber } from "./parse-flags.js";
import { addStrategyOptions, strategyFromFlags } from "./strategy-flags.js";

interface LoopFlags extends ReadFlags, OutputFlags {
  strategy: string;
  rounds?: string;
  perRound?: string;
  teacher?: string;
  student?: string;
  trainer?: string;
  validation?: string;
  benchmark?: string;
  budgetTokens?: string;
  trainOnSeeds?: boolean;
  studentMaxTokens: string;
  promptStyle: string;
  prompts?: string;
  decontaminate?: string[] | boolean;
  ngram: string;
  duplicateThreshold: string;
  temperature: string;
  maxTokens: string;
  maxAttempts?: string;
  maxFailureRate: string;
  trainerEnv?: string[];
  concurrency?: string;
  jsonSchema: boolean;
  systemPrompt?: string;
  seed: string;
  run?: string;
}

export function registerLoop(program: Command, io: CliIo): void {
  const command = program
    .command("loop")
    .description("The closed loop: each round the current student picks where to generate (active, s3, embed, random), the teacher writes examples, a trainer makes the next student, and it is evaluated")
    .argument("<dataset>", "the seed set (.jsonl, .json, .csv, .parquet): the questions the student answers and the teacher builds on")
    .option("--run <dir>", "run directory (required): every round's state, synthetic.jsonl, the training files and loop.html; rerun to resume")
    .option("--rounds <r>", "rounds to run (rerun with more to extend a finished loop)")
    .option("--per-round <n>", "accepted examples the teacher writes per round")
    .option("--teacher <spec>", "teacher engine: openai:MODEL@URL, ollama:MODEL or llama:PATH.gguf")
    .option("--student <spec>", "the base student: llama:PATH.gguf (LoRA adapters) or openai:MODEL@URL (vLLM LoRA, or new models from the trainer)")
    .option("--trainer <spec>", 'command:"… {train_file} {base_model} {round} {output_dir}" (a shell command, values shell-quoted) | openai-ft:MODEL@URL[?poll=S&suffix=NAME&epochs=N]')
    .option("--validation <file>", "small real validation set: evaluated every round; s3 extrapolates the errors on it (required by s3)")
    .option("--benchmark <file>", "benchmark every round's student is evaluated on (accuracy per round in the report)")
    .option("--budget-tokens <t>", "teacher tokens (prompt + completion) the whole loop may use; the loop stops after the round that reaches it")
    .option("--train-on-seeds", "mix the real seed examples into every round's training data")
    .option("--student-max-tokens <n>", "answer budget of the student on seeds, validation and benchmark items", "512")
    .option("--prompt-style <style>", "how the student is asked: completion | chat", "completion")
    .option("--prompts <dir>", "folder with your own one-seed.md, two-seed.md, s3-seed.md, s3-extrapolate.md (any subset)")
    .option("--decontaminate <files...>", "drop generated examples sharing a long n-gram with these files (default: the dataset's sibling test.jsonl, if any)")
    .option("--no-decontaminate", "no decontamination")
    .option("--ngram <n>", "words per decontamination n-gram", "13")
    .option("--duplicate-threshold <j>", "MinHash Jaccard at or above which a new question duplicates a seed or an earlier one", "0.8")
    .option("--temperature <t>", "teacher sampling temperature", "0.8")
    .option("--max-tokens <n>", "teacher reply limit in tokens", "1024")
    .option("--max-attempts <n>", "teacher attempts per round before giving up (default max(50, 10 × per-round))")
    .option("--max-failure-rate <r>", "stop once more than this share of teacher or student requests failed (each is recorded and retried by a rerun)", "0.2")
    .option("--trainer-env <vars...>", "environment variables the command: trainer gets beyond PATH, HOME, locale, Python and GPU settings (API keys only if named here)")
    .option("--concurrency <n>", "teacher attempts in flight (default twice the teacher's ?concurrency=, which bounds its requests in flight)")
    .option("--no-json-schema", "do not constrain the teacher with a JSON schema")
    .option("--system-prompt <text>", "system turn put first in every training example")
    .option("--seed <n>", "random seed (seed order, sampling seeds, random scores)", "0")
    .option("--json", "print the per-round summary as JSON on stdout")
    .option("-q, --quiet", "no progress output");
  addStrategyOptions(command, "loop", "active");
  addReadOptions(command);
  command.action(async (dataset: string, flags: LoopFlags) => {
    const required: Array<[keyof LoopFlags, string, string]> = [
      ["run", "--run", "--run DIR is required: the loop's state lives there"],
      ["rounds", "--rounds", "--rounds R is required"],
      ["perRound", "--per-round", "--per-round N is required (examples per round)"],
      ["teacher", "--teacher", "--teacher SPEC is required"],
      ["student", "--student", "--student SPEC is required (the base student)"],
      ["trainer", "--trainer", '--trainer SPEC is required (command:"…" or openai-ft:MODEL@URL)'],
    ];
    for (const [key, flag, message] of required) if (flags[key] === undefined) throw new UsageError(message, flag);
    const { strategy, options: strategyOptions } = strategyFromFlags(flags as unknown as Record<string, unknown> & LoopFlags, "loop");
    const evalStyle = parseChoice(flags.promptStyle, ["completion", "chat"] as const, "--prompt-style");
    const duplicateThreshold = parsePositiveNumber(flags.duplicateThreshold, "--duplicate-threshold");
    if (duplicateThreshold > 1) throw new UsageError(`--duplicate-threshold must be in (0, 1], got ${flags.duplicateThreshold}`, "--duplicate-threshold");
    const temperature = Number(flags.temperature);
    if (!Number.isFinite(temperature) || temperature < 0) throw new UsageError(`--temperature must be a number ≥ 0, got "${flags.temperature}"`, "--temperature");
    for (const [file, flag] of [[flags.validation, "--validation"], [flags.benchmark, "--benchmark"]] as const) {
      if (file !== undefined && !existsSync(file)) throw new UsageError(`${flag} ${file}: no such file`, flag);
    }
    const [{ runLoop }, { createTrainer }, { openRun }, { atomicWriteFile }, { renderLoopReport }, { createEngine }, { RequestCache }] = await Promise.all([
      import("../../pipeline/loop/run-loop.js"),
      import("../../pipeline/train/create-trainer.js"),
      import("../../store/index.js"),
      import("../../store/atomic-write.js"),
      import("../../ui/loop-report.js"),
      import("../../engines/create-engine.js"),
      import("../../engines/request-cache.js"),
    ]);
    const trainer = createTrainer(flags.trainer!, "trainer", { passEnv: flags.trainerEnv ?? [] });
    const maxFailureRate = Number(flags.maxFailureRate);
    if (!Number.isFinite(maxFailureRate) || maxFailureRate < 0 || maxFailureRate > 1) {
      throw new UsageError(`--max-failure-rate must be a number in [0, 1], got "${flags.maxFailureRate}"`, "--max-failure-rate");
    }
    const options = {
      ...readOptionsFrom(flags),
      strategy,
      strategyOptions,
      rounds: parseInteger(flags.rounds!, "--rounds", 1),
      perRound: parseInteger(flags.perRound!, "--per-round", 1),
      student: flags.student!,
      trainer,
      validation: flags.validation,
      benchmark: flags.benchmark,
      budgetTokens: flags.budgetTokens === undefined ? undefined : parseInteger(flags.budgetTokens, "--budget-tokens", 1),
      trainOnSeeds: flags.trainOnSeeds ?? false,
      studentMaxTokens: parseInteger(flags.studentMaxTokens, "--student-max-tokens", 1),
      evalStyle,
      prompts: flags.prompts,
      decontaminate: flags.decontaminate === false ? (false as const) : Array.isArray(flags.decontaminate) ? flags.decontaminate : undefined,
      ngram: parseInteger(flags.ngram, "--ngram", 1),
      duplicateThreshold,
      temperature,
      maxTokens: parseInteger(flags.maxTokens, "--max-tokens", 1),
      maxAttempts: flags.maxAttempts === undefined ? undefined : parseInteger(flags.maxAttempts, "--max-attempts", 1),
      maxFailureRate,
      concurrency: flags.concurrency === undefined ? undefined : parseInteger(flags.concurrency, "--concurrency", 1),
      jsonSchema: flags.jsonSchema,
      systemPrompt: flags.systemPrompt,
      seed: parseInteger(flags.seed, "--seed", 0),
      env: { ...process.env, ...io.env },
    };
    const renderer = await progressFor(io, flags);
    const run = await openRun(flags.run!, { command: "loop", argv: process.argv.slice(2), onNotice: (m) => io.stderr.write(`gapfill: ${m}\n`) });
    // Progress also goes to the run's event log, where `gapfill ui` follows it live.
    const onEvent = withProgressLog(run, renderer);
    const { runPagePath, writeRunIndex } = await import("../../ui/run-pages.js");
    const reportPath = runPagePath(run.dir, "loop.html");
    const { loopSummary } = await import("../../pipeline/loop/loop-summary.js");
    // The page is rewritten after every round (before the next begins), so a long loop can be looked at while it runs.
    const writePage = async () => {
      await atomicWriteFile(reportPath, renderLoopReport(loopSummary(run.db), run.dir));
      await writeRunIndex(run.dir);
    };
    let teacher: Engine | undefined;
    try {
      const cache = new RequestCache(run.db);
      teacher = await createEngine(flags.teacher!, { cache, onEvent, option: "teacher" });
      const result = await runLoop(dataset, run, {
        ...options,
        teacher,
        createStudent: (spec) => createEngine(spec, { cache, onEvent, option: "student" }),
        onRoundDone: writePage,
        onEvent,
      });
      await atomicWriteFile(reportPath, renderLoopReport(result, run.dir));
      await writeRunIndex(run.dir);
      renderer.close();
      if (flags.json) writeJson(io, { ...result, report: reportPath });
      else io.stdout.write(formatLoop(result, reportPath));
    } finally {
      renderer.close();
      await teacher?.close();
      run.close();
    }
  });
}

const percent = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? "–" : `${(100 * value).toFixed(1)}%`);

function formatLoop(result: LoopResult, report: string): string {
  const rows = result.rounds.map((round) => [
    round.round,
    round.generated,
    round.teacherTokens,
    round.trainExamples ?? "–",
    round.scores ? `${mean(round.scores.selected).toFixed(3)} / ${mean(round.scores.all).toFixed(3)}` : "–",
    round.validation ? `${round.validation.errors} of ${round.validation.items}` : "–",
    round.benchmark ? `${percent(round.benchmark.accuracy)} (${round.benchmark.correct}/${round.benchmark.items})` : "–",
    round.stopped ?? "",
  ]);
  const base = result.baseline;
  if (base.validation || base.benchmark) {
    rows.unshift([0, "–", "–", "–", "–", base.validation ? `${base.validation.errors} of ${base.validation.items}` : "–", base.benchmark ? `${percent(base.benchmark.accuracy)} (${base.benchmark.correct}/${base.benchmark.items})` : "–", "base student"]);
  }
  return (
    formatTable(["round", "generated", "teacher tokens", "trained on", "score sel./all", "validation errors", "benchmark", "note"], rows) +
    formatPairs([
      ["strategy", result.strategy ?? "–"],
      ["stopped", result.stopped === "rounds" ? "all rounds done" : "--budget-tokens reached"],
      ["student now", result.rounds.at(-1)?.trainedStudent ?? "–"],
      ["synthetic", result.syntheticPath],
      ["report", report],
      ["time", `${result.seconds.toFixed(1)} s`],
    ])
  );
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
