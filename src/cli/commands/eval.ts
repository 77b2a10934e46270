import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { DensityAccuracy } from "../../pipeline/evaluate/density-accuracy.js";
import type { EvaluationResult } from "../../pipeline/evaluate/evaluate-student.js";
import type { MapPlacement } from "../../pipeline/map/place-on-map.js";
import { COMPARE_META_KEYS as COMPARE_META } from "../../pipeline/compare/compare-meta.js";
import { type CliIo, type OutputFlags, progressFor, writeJson } from "../cli-io.js";
import { formatPairs, formatTable } from "../format-table.js";
import { addCacheOptions, cacheFrom, type CacheFlags } from "./cache-flags.js";
import { addReadOptions, readOptionsFrom, type ReadFlags } from "./read-flags.js";
import { parseChoice, parseInteger, parsePositiveNumber } from "./parse-flags.js";

interface EvalFlags extends ReadFlags, OutputFlags, CacheFlags {
  student?: string;
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
}


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
    .option("--no-loss", "skip the loss signals (teacher-forced scoring of the reference and of the student's answer)")
    .option("--limit <n>", "evaluate only the first N items")
    .option("--seed <n>", "seed of the sampled answers", "0")
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
    const shotCount = parseInteger(flags.shots, "--shots", 0);
    if (shotCount > 0 && !flags.shotsFile) throw new UsageError(`--shots ${shotCount} needs --shots-file FILE to take the examples from`, "--shots-file");
    const style = parseChoice(flags.promptStyle, ["completion", "chat"] as const, "--prompt-style");
    const maxTokens = parseInteger(flags.maxTokens, "--max-tokens", 1);
    const samples = parseInteger(flags.samples, "--samples", 0);
    const sampleTemperature = parsePositiveNumber(flags.sampleTemperature, "--sample-temperature");
    const minPerRegion = parseInteger(flags.minPerRegion, "--min-per-region", 1);
    const limit = flags.limit === undefined ? undefined : parseInteger(flags.limit, "--limit", 1);
    const seed = parseInteger(flags.seed, "--seed", 0);
    const readOptions = readOptionsFrom(flags);

    const [{ evaluateStudent }, { loadEvalTemplate }, { readAll }, { openRun, defaultRunDir, atomicWriteFile }, { createEngine }] = await Promise.all([
      import("../../pipeline/evaluate/evaluate-student.js"),
      import("../../pipeline/evaluate/eval-prompt.js"),
      import("../../data/read-dataset.js"),
      import("../../store/index.js"),
      import("../../engines/create-engine.js"),
    ]);
    const template = loadEvalTemplate(style, flags.template);
    const { examples: all } = await readAll(flags.benchmark, readOptions);
    const items = limit === undefined ? all : all.slice(0, limit);
    const shots = shotCount > 0 ? (await readAll(flags.shotsFile!)).examples.slice(0, shotCount) : [];
    if (shots.length < shotCount) throw new UsageError(`--shots ${shotCount}: ${flags.shotsFile} has only ${shots.length} examples`, "--shots");
    const renderer = await progressFor(io, flags);
    const run = await openRun(flags.run ?? defaultRunDir(), { command: "eval", argv: process.argv.slice(2), onNotice: (m) => io.stderr.write(`gapfill: ${m}\n`) });
    let student;
    try {
      student = await createEngine(flags.student, { cache: await cacheFrom(run.db, flags), onEvent: renderer, flag: "--student" });
      run.setMeta(COMPARE_META.student, student.spec);
      run.setMeta(COMPARE_META.label, flags.label ?? run.getMeta(COMPARE_META.label) ?? student.model);
      run.setMeta(COMPARE_META.strategy, flags.strategy ?? run.getMeta(COMPARE_META.strategy) ?? "base");
      if (flags.budget !== undefined) run.setMeta(COMPARE_META.budget, flags.budget);
      const result = await evaluateStudent(student, items, run, {
        benchmark: flags.benchmark,
        style,
        template,
        shots,
        maxTokens,
        samples,
        sampleTemperature,
        seed,
        lossSignals: flags.loss,
        onEvent: renderer,
      });
      let mapped: { placement: MapPlacement; analysis: DensityAccuracy } | undefined;
      if (flags.map) {
        const [{ placeOnMap }, { densityAccuracy }] = await Promise.all([import("../../pipeline/map/place-on-map.js"), import("../../pipeline/evaluate/density-accuracy.js")]);
        const placement = await placeOnMap(flags.map, items.map((item) => item.question), {
          student,
          embeddingsPath: run.path("benchmark-embeddings.f32"),
          onEvent: renderer,
        });
        const analysis = densityAccuracy(placement.map.grid, placement.points, result.items.map((item) => item.correct), { minPerRegion });
        mapped = { placement, analysis };
        await atomicWriteFile(run.path("density-accuracy.json"), JSON.stringify({ map: flags.map, method: placement.method, notes: placement.notes, ...analysis }));
      }
      const summary = evalSummary(result, run.dir, flags, mapped);
      const [{ renderEvalReport }, { evalReportData }] = await Promise.all([import("../../ui/eval-report.js"), import("../../ui/eval-report-data.js")]);
      await atomicWriteFile(summary.report, renderEvalReport(evalReportData(result, summaryPairs(summary), mapped)));
      renderer.close();
      if (flags.json) writeJson(io, summary);
      else io.stdout.write(formatEvalSummary(summary));
    } finally {
      renderer.close();
      await student?.close();
      run.close();
    }
  });
}

function mean(values: Array<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}

export function evalSummary(result: EvaluationResult, runDir: string, flags: EvalFlags, mapped?: { placement: MapPlacement; analysis: DensityAccuracy }) {
  const { accuracy } = result;
  return {
    run: runDir,
    // A run that is also a map run keeps its map page; the evaluation page goes beside it.
    report: join(runDir, existsSync(join(runDir, "map.json")) ? "eval-report.html" : "report.html"),
    student: flags.student!,
    benchmark: flags.benchmark!,
    items: accuracy.n,
    correct: accuracy.successes,
    accuracy: accuracy.estimate,
    interval95: [accuracy.lower, accuracy.upper],
    judgedNow: result.judgedNow,
    noAnswer: result.items.filter((item) => item.extracted === null).length,
    lossSignals: result.lossSignals,
    meanReferenceLoss: mean(result.items.map((item) => item.referenceLoss)),
    meanOwnLoss: mean(result.items.map((item) => item.ownLoss)),
    meanSampleEntropy: mean(result.items.map((item) => item.sampleEntropy)),
    densityAccuracy: mapped && {
      map: flags.map!,
      method: mapped.placement.method,
      notes: mapped.placement.notes,
      regions: mapped.analysis.regions.map((region) => ({
        id: region.id,
        cells: region.cells.length,
        density: region.density,
        trainingPoints: region.trainingPoints,
        items: region.items,
        correct: region.correct,
        accuracy: region.accuracy.estimate,
        interval95: [region.accuracy.lower, region.accuracy.upper],
      })),
      pearson: { r: mapped.analysis.pearson.coefficient, p: mapped.analysis.pearson.p },
      spearman: { rho: mapped.analysis.spearman.coefficient, p: mapped.analysis.spearman.p },
      fit: mapped.analysis.fit,
      minPerRegion: mapped.analysis.minPerRegion,
    },
    seconds: result.seconds,
  };
}

type EvalSummary = ReturnType<typeof evalSummary>;

const percent = (value: number) => (Number.isNaN(value) ? "–" : `${(100 * value).toFixed(1)}%`);
const fixed = (value: number | null, digits = 3) => (value === null || Number.isNaN(value) ? "–" : value.toFixed(digits));
const pValue = (p: number) => (Number.isNaN(p) ? "–" : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

function summaryPairs(summary: EvalSummary): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    ["student", summary.student],
    ["benchmark", `${summary.benchmark} (${summary.items} items)`],
    ["accuracy", `${percent(summary.accuracy)} (${summary.correct}/${summary.items}), 95% interval ${percent(summary.interval95[0])} – ${percent(summary.interval95[1])}`],
    ["no answer found", String(summary.noAnswer)],
    ["loss signals", summary.lossSignals],
    ["mean loss, reference / own answer", `${fixed(summary.meanReferenceLoss)} / ${fixed(summary.meanOwnLoss)}`],
  ];
  if (summary.meanSampleEntropy !== null) pairs.push(["mean sampled-answer entropy", `${fixed(summary.meanSampleEntropy)} nats`]);
  const da = summary.densityAccuracy;
  if (da) {
    pairs.push(["density vs accuracy", `${da.regions.length} regions (≥ ${da.minPerRegion} items each) on ${da.map}`]);
    pairs.push(["Pearson r", `${fixed(da.pearson.r)} (p = ${pValue(da.pearson.p)})`]);
    pairs.push(["Spearman ρ", `${fixed(da.spearman.rho)} (p = ${pValue(da.spearman.p)})`]);
  }
  pairs.push(["run", summary.run], ["report", summary.report]);
  return pairs;
}

function formatEvalSummary(summary: EvalSummary): string {
  let text = formatPairs(summaryPairs(summary));
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
