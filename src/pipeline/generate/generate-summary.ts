import type { Engine } from "../../core/engine.js";
import type { ProgressListener } from "../../core/events.js";
import type { Run } from "../../store/run.js";
import type { Contamination, GenerateInputs } from "./generate-inputs.js";
import type { GenerateStore, RejectionReason } from "./generate-store.js";
import { writeGenerateSummary } from "./generate-summary-file.js";
import { type TargetingCheck, targetingCheck } from "./targeting-check.js";

/** What a generate run did, as written to `generate-<strategy>.json` and printed by the CLI. */
export interface GenerateResult {
  strategy: string;
  budget: number;
  accepted: number;
  attempts: number;
  rejected: Partial<Record<RejectionReason, number>>;
  /** Why it stopped: the budget was reached, or a limit cut it short. */
  stopped: "budget" | "max-teacher-tokens" | "max-attempts";
  teacher: { spec: string; model: string; requests: number; cached: number; promptTokens: number; completionTokens: number };
  decode: { requested: boolean; used: boolean; note?: string };
  decontamination: { files: string[]; ngram: number; texts: number } | null;
  syntheticPath: string;
  /** Null when the generated examples could not be placed (the note says why). */
  targeting: TargetingCheck | null;
  targetingNote?: string;
  /** This call's wall time; the counts above cover every run of the stage (resumes included). */
  seconds: number;
  dataset: string;
  embedder: string;
}

/** Targeting check, summary file: the last step of {@link generateExamples}. */
export async function finishGenerate(
  run: Run,
  store: GenerateStore,
  context: {
    strategy: string;
    budget: number;
    stopped: GenerateResult["stopped"];
    inputs: GenerateInputs;
    contamination: Contamination | undefined;
    /** The plan's facts (embed: whether partials were decoded). */
    facts: Record<string, unknown>;
    student?: Engine;
    teacher: Engine;
    seconds: number;
    onEvent: ProgressListener;
  },
): Promise<GenerateResult> {
  const { strategy, inputs } = context;
  const totals = store.totals(strategy);
  const records = store.acceptedRecords(strategy).map((stored) => ({
    id: stored.id,
    question: String(stored.record.question),
    cell: typeof stored.record.cell === "number" ? stored.record.cell : null,
  }));
  let targeting: TargetingCheck | null = null;
  let targetingNote: string | undefined;
  try {
    targeting = await targetingCheck(inputs.map, records, {
      mapDir: run.dir,
      questions: inputs.examples.map((example) => example.question),
      student: context.student,
    });
    for (const note of targeting.notes) context.onEvent({ type: "warning", stage: "generate", message: note });
  } catch (error) {
    targetingNote = `targeting check skipped: ${(error as Error).message}`;
    context.onEvent({ type: "warning", stage: "generate", message: targetingNote });
  }
  const result: GenerateResult = {
    strategy,
    budget: context.budget,
    accepted: totals.accepted,
    attempts: totals.attempts,
    rejected: store.rejectionCounts(strategy),
    stopped: context.stopped,
    teacher: {
      spec: context.teacher.spec,
      model: context.teacher.model,
      requests: totals.requests,
      cached: totals.cached,
      promptTokens: totals.promptTokens,
      completionTokens: totals.completionTokens,
    },
    decode: (context.facts.decode as GenerateResult["decode"] | undefined) ?? { requested: false, used: false },
    decontamination: context.contamination ? { files: context.contamination.files, ngram: context.contamination.index.n, texts: context.contamination.texts } : null,
    syntheticPath: run.path("synthetic.jsonl"),
    targeting,
    targetingNote,
    seconds: context.seconds,
    dataset: inputs.map.dataset,
    embedder: inputs.map.embedder.label,
  };
  await writeGenerateSummary(run.dir, result);
  run.event("generate-done", { strategy, accepted: result.accepted, attempts: result.attempts, stopped: result.stopped });
  return result;
}
