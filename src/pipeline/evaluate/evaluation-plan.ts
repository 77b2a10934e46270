import type { Engine } from "../../core/engine.js";
import type { BoxChoice } from "../../data/answers/index.js";
import type { Example } from "../../core/example.js";
import { OptionError } from "../../core/errors.js";
import type { ProgressListener } from "../../core/events.js";
import { digestLines } from "../../store/digest.js";
import { type EvalTemplate, loadEvalTemplate, type PromptStyle, renderEvalPrompt } from "./eval-prompt.js";
import type { EvaluationRecord } from "./evaluation-store.js";

/** How {@link evaluateStudent} asks and judges. Everything has a default. */
export interface EvaluateOptions {
  /** Name of the evaluation inside the run: "eval" for `gapfill eval`; the loop uses one per round. */
  name?: string;
  /** What the items came from (a path), stored with the evaluation. */
  benchmark?: string;
  style?: PromptStyle;
  /** A loaded template; default the package's template for `style`. */
  template?: EvalTemplate;
  /** Worked examples put before every question (few-shot). */
  shots?: readonly Example[];
  /** Output budget per answer. Default 512. */
  maxTokens?: number;
  /** K sampled answers per item for the disagreement signal (0 = off, the default). */
  samples?: number;
  /** Temperature of the K samples. Default 0.7 (the main answer is always greedy). */
  sampleTemperature?: number;
  seed?: number;
  /** Compute the two loss signals (needs the "score" capability). Default true. */
  lossSignals?: boolean;
  /** Which boxes of an output (and of a reference) give the final answer when there are several. Default "last". */
  answerBoxes?: BoxChoice;
  /**
   * When an output states no final answer, take the last number of its prose. Default false (an
   * output must state its answer); references never. The evaluation's report says when it was on.
   */
  lastNumberFallback?: boolean;
  /**
   * Items in flight at once. Default twice the engine's concurrency (8 items when it declares
   * none); 1 for the embedded engine (it runs one sequence).
   */
  concurrency?: number;
  /** Share of items whose requests may fail (recorded, retried on a rerun) before the stage stops. Default 0.2. */
  maxFailureRate?: number;
  onEvent?: ProgressListener;
  signal?: AbortSignal;
}

/** The settled form of {@link EvaluateOptions} for one engine and one item list. */
export interface EvaluationPlan {
  name: string;
  style: PromptStyle;
  template: EvalTemplate;
  shots: readonly Example[];
  maxTokens: number;
  samples: number;
  sampleTemperature: number;
  seed: number;
  lossSignals: boolean;
  concurrency: number;
  /** How final answers are extracted (see `extractAnswer`). */
  extraction: { boxes: BoxChoice; lastNumberFallback: boolean };
  /** The evaluation's stored header: a later call under the same name must match it to resume. */
  record: Omit<EvaluationRecord, "createdAt" | "finishedAt">;
}

const DEFAULT_MAX_TOKENS = 512;
const BOX_CHOICES: readonly BoxChoice[] = ["last", "first", "all"];
const DEFAULT_SAMPLE_TEMPERATURE = 0.7;

/**
 * Settles the options: defaults filled, values checked (naming the option at fault), the
 * engine's capability for the prompt style checked before anything is sent, and the stored
 * header built. The header's parameters are what changes a verdict or a signal (prompt,
 * shots, budget, sampling), not how fast it is computed (concurrency).
 */
export function planEvaluation(engine: Engine, items: readonly Example[], options: EvaluateOptions = {}): EvaluationPlan {
  const style = options.style ?? "completion";
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const samples = options.samples ?? 0;
  const sampleTemperature = options.sampleTemperature ?? DEFAULT_SAMPLE_TEMPERATURE;
  const seed = options.seed ?? 0;
  const concurrency = options.concurrency ?? defaultItemConcurrency(engine);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new OptionError("maxTokens", `must be a positive integer, got ${maxTokens}`);
  if (!Number.isInteger(samples) || samples < 0) throw new OptionError("samples", `must be a whole number (0 = no sampling), got ${samples}`);
  if (!(sampleTemperature > 0) || !Number.isFinite(sampleTemperature)) throw new OptionError("sampleTemperature", `must be a positive number, got ${sampleTemperature}`);
  if (!Number.isInteger(seed) || seed < 0) throw new OptionError("seed", `must be a whole number, got ${seed}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new OptionError("concurrency", `must be a positive integer, got ${concurrency}`);
  const boxes = options.answerBoxes ?? "last";
  if (!BOX_CHOICES.includes(boxes)) throw new OptionError("answerBoxes", `must be one of ${BOX_CHOICES.join(", ")}, got "${boxes}"`);
  const lastNumberFallback = options.lastNumberFallback ?? false;
  const capability = style === "chat" ? "chat" : "complete";
  if (!engine.capabilities.has(capability)) {
    const other: PromptStyle = style === "chat" ? "completion" : "chat";
    throw new OptionError("style", `"${style}" needs the "${capability}" capability, which ${engine.spec} does not have: use "${other}"`, { code: "capability-missing" });
  }
  const template = options.template ?? loadEvalTemplate(style);
  const shots = options.shots ?? [];
  const name = options.name ?? "eval";
  return {
    name,
    style,
    template,
    shots,
    maxTokens,
    samples,
    sampleTemperature,
    seed,
    lossSignals: options.lossSignals ?? true,
    concurrency,
    extraction: { boxes, lastNumberFallback },
    record: {
      name,
      student: engine.spec,
      benchmark: options.benchmark ?? "",
      benchmarkDigest: digestLines(items.map((item) => `${item.id}\u0000${item.question}\u0000${item.answer}`)),
      items: items.length,
      params: {
        style,
        template: template.hash,
        shots: digestLines(shots.map((shot) => `${shot.question}\u0000${shot.answer}`)),
        shotCount: shots.length,
        maxTokens,
        samples,
        sampleTemperature: samples > 0 ? sampleTemperature : null,
        seed,
        // They change verdicts, so they are part of the header; stored only when not the
        // defaults, so evaluations stored before these options existed still resume.
        ...(boxes !== "last" ? { answerBoxes: boxes } : {}),
        ...(lastNumberFallback ? { lastNumberFallback } : {}),
      },
    },
  };
}

/**
 * Items in flight by default. An item's last request (its answer's loss) waits for its answer,
 * and between one item's end and the next one's start (grading, the store write) its slot would
 * sit idle: twice the engine's concurrency keeps requests queued in the engine's pool, so a
 * freed slot is taken at once. With 8 items the stage used 0.16–0.30 of the endpoint.
 */
function defaultItemConcurrency(engine: Engine): number {
  if (engine.kind === "llama") return 1;
  return engine.concurrency ? 2 * engine.concurrency : 8;
}

/** The prompt of one question under a plan (template and shots). */
export function planPrompt(plan: Pick<EvaluationPlan, "template" | "shots">, question: string): string {
  return renderEvalPrompt(plan.template, question, plan.shots);
}
