import type { Engine } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import type { ProgressListener } from "../../core/events.js";
import type { AnyStrategy, Plan, PlanContext, SeedSignals, StrategyMap, StudentError } from "../../strategies/strategy.js";
import type { TemplateSet } from "../../strategies/task/prompt-templates.js";
import type { Run } from "../../store/run.js";
import { evaluateStudent } from "../evaluate/evaluate-student.js";
import type { PromptStyle } from "../evaluate/eval-prompt.js";
import { readEvaluatedItems, readEvaluationRecord } from "../evaluate/evaluation-store.js";
import { seedTexts } from "../generate/generation-setup.js";
import { evaluationName } from "./evaluation-names.js";
import { readScores, saveScores } from "./loop-store.js";

export { evaluationName };

/** What the loop knows when it plans a round. */
export interface RoundPlanInput {
  run: Run;
  round: number;
  strategy: AnyStrategy;
  /** The strategy's own options, defaults filled in. */
  options: Readonly<Record<string, unknown>>;
  /** The seed pool: the dataset. */
  examples: readonly Example[];
  datasetPath: string;
  perRound: number;
  seed: number;
  templates: TemplateSet;
  /** Whether the loop has a validation set (whose errors a strategy may extrapolate). */
  hasValidation: boolean;
  studentMaxTokens: number;
  evalStyle: PromptStyle;
  /** The student of this round (trained in the round before), opened on first use. */
  student: () => Promise<Engine>;
  /** The run's map, made on first use. */
  map: () => Promise<StrategyMap>;
  onEvent: ProgressListener;
}

/**
 * The select step of a round: the strategy plans it with what the loop offers — the seed
 * pool (continuing where earlier rounds stopped), the current student's signals on every seed
 * (evaluated once and stored, so a resumed round reads them back without opening the student),
 * the previous round's validation errors, and the run's map. A selection the plan makes is
 * stored for the report.
 */
export async function planRound(input: RoundPlanInput): Promise<Plan> {
  const { run, round, onEvent } = input;
  const context: PlanContext = {
    mode: "loop",
    round,
    examples: seedTexts(input.examples),
    count: input.perRound,
    offset: (round - 1) * input.perRound,
    seed: input.seed,
    options: input.options,
    datasetPath: input.datasetPath,
    templates: input.templates,
    map: input.map,
    decoder: () => undefined,
    studentSignals: (request) => seedSignals(input, request),
    studentErrors: () => (input.hasValidation && round > 1 ? studentErrors(run, round - 1) : undefined),
    cache: { get: () => undefined, set: () => undefined },
    notice: (message) => onEvent({ type: "notice", stage: "generate", message: `round ${round}: ${message}` }),
  };
  const plan = await input.strategy.plan(context);
  if (plan.selection && readScores(run.db, round).length === 0) saveScores(run.db, round, plan.selection);
  return plan;
}

/** The current student's signals on every seed, from the round's stored evaluation (made here when missing). */
async function seedSignals(input: RoundPlanInput, request: { lossSignals: boolean; samples: number }): Promise<SeedSignals[]> {
  const name = evaluationName.score(input.round);
  const done = readEvaluationRecord(input.run.db, name)?.finishedAt;
  const items = done
    ? readEvaluatedItems(input.run.db, name)
    : (
        await evaluateStudent(await input.student(), input.examples, input.run, {
          name,
          benchmark: "seed pool",
          style: input.evalStyle,
          maxTokens: input.studentMaxTokens,
          samples: request.samples,
          lossSignals: request.lossSignals,
          seed: input.seed,
          onEvent: input.onEvent,
        })
      ).items;
  return items.map((item) => ({ id: item.id, ownLoss: item.ownLoss, referenceLoss: item.referenceLoss, sampleEntropy: item.sampleEntropy }));
}

/** The validation items the student of `round` got wrong, in validation order. */
export function studentErrors(run: Run, round: number): StudentError[] {
  return readEvaluatedItems(run.db, evaluationName.validation(round))
    .filter((item) => !item.correct)
    .map((item) => ({ id: item.id, question: item.question, answer: item.reference, studentOutput: item.output, studentAnswer: item.extracted }));
}
