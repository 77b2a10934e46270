import type { Engine } from "../../core/engine.js";
import type { Run } from "../../store/run.js";
import { COMPARE_META_KEYS } from "../compare/compare-meta.js";
import { checkPlaceable } from "../map/place-on-map.js";
import { type DensityOnMap, densityOnMap } from "./density-on-map.js";
import type { EvaluateOptions } from "./evaluation-plan.js";
import { type EvaluationSummary, summarizeEvaluation } from "./evaluation-summary.js";
import { type EvaluationResult, evaluateStudent } from "./evaluate-student.js";
import type { LoadedBenchmark } from "./load-benchmark.js";

/** How {@link evaluateBenchmark} runs; the prompt, items and shots come with the {@link LoadedBenchmark}. */
export interface EvaluateBenchmarkOptions extends Pick<EvaluateOptions, "maxTokens" | "samples" | "sampleTemperature" | "seed" | "lossSignals" | "concurrency" | "onEvent" | "signal" | "answerBoxes" | "lastNumberFallback" | "maxFailureRate"> {
  /** A `gapfill map` run directory: place the questions on its map and relate training density to accuracy. */
  map?: string;
  /** With `map`: grid cells are merged until each region holds at least this many items. Default 10. */
  minPerRegion?: number;
  /** The run's row in `gapfill compare` (default: kept from an earlier call, else the student's model name). */
  label?: string;
  /** How the student was trained, for `gapfill compare` (default: kept, else "base": not on generated data). */
  strategy?: string;
  /** The generation budget the student was trained with, for `gapfill compare`. */
  budget?: number | string;
}

/** An evaluation of a benchmark in a run: the verdicts, the analysis on a map, and the summary. */
export interface BenchmarkEvaluation {
  result: EvaluationResult;
  density?: DensityOnMap;
  summary: EvaluationSummary;
}

/** The evaluation page: `eval.html`, beside the run's other stages' pages (none overwrites another). */
export function evaluationReportPath(run: Pick<Run, "path">): string {
  return run.path("eval.html");
}

/**
 * What `gapfill eval` does, as a library call: records how the run sits in a comparison
 * (`label`, `strategy`, `budget`), evaluates the student on the benchmark (resuming what the run
 * already judged), and with `map` places the questions on that training map and writes the
 * density–accuracy analysis. The caller renders the page at `summary.report`.
 */
export async function evaluateBenchmark(student: Engine, run: Run, benchmark: LoadedBenchmark, options: EvaluateBenchmarkOptions = {}): Promise<BenchmarkEvaluation> {
  run.setMeta(COMPARE_META_KEYS.student, student.spec);
  run.setMeta(COMPARE_META_KEYS.label, options.label ?? run.getMeta(COMPARE_META_KEYS.label) ?? student.model);
  run.setMeta(COMPARE_META_KEYS.strategy, options.strategy ?? run.getMeta(COMPARE_META_KEYS.strategy) ?? "base");
  if (options.budget !== undefined) run.setMeta(COMPARE_META_KEYS.budget, String(options.budget));
  // A map the questions cannot be placed on is refused before any item is answered, not after all of them.
  if (options.map) checkPlaceable(options.map, undefined, student);
  const result = await evaluateStudent(student, benchmark.items, run, {
    benchmark: benchmark.benchmark,
    style: benchmark.style,
    template: benchmark.template,
    shots: benchmark.shots,
    maxTokens: options.maxTokens,
    samples: options.samples,
    sampleTemperature: options.sampleTemperature,
    seed: options.seed,
    lossSignals: options.lossSignals,
    concurrency: options.concurrency,
    answerBoxes: options.answerBoxes,
    lastNumberFallback: options.lastNumberFallback,
    maxFailureRate: options.maxFailureRate,
    onEvent: options.onEvent,
    signal: options.signal,
  });
  const density = options.map
    ? await densityOnMap(
        options.map,
        // The judged items only: an item whose request failed has no verdict to place.
        result.items.map((item) => item.question),
        result.items.map((item) => item.correct),
        run,
        { student, minPerRegion: options.minPerRegion, onEvent: options.onEvent },
      )
    : undefined;
  const summary = summarizeEvaluation(result, { run: run.dir, report: evaluationReportPath(run), student: student.spec, benchmark: benchmark.benchmark, map: options.map, answerExtraction: describeExtraction(options) }, density);
  return { result, density, summary };
}

/** A line for the report when answers were not extracted the default way; null when they were. */
function describeExtraction(options: EvaluateBenchmarkOptions): string | null {
  const parts: string[] = [];
  if (options.answerBoxes !== undefined && options.answerBoxes !== "last") parts.push(`${options.answerBoxes} box${options.answerBoxes === "all" ? "es" : ""}`);
  if (options.lastNumberFallback === true) parts.push("last number of the prose when an output states no answer");
  return parts.length === 0 ? null : parts.join("; ");
}
