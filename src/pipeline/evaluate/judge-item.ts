import type { Engine, GenerateOptions, Generation } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { extractAnswer } from "../../data/answers/index.js";
import { answerDistribution } from "./answer-entropy.js";
import type { EvaluationPlan } from "./evaluation-plan.js";
import { planPrompt } from "./evaluation-plan.js";
import type { EvaluatedItem } from "./evaluation-store.js";
import { gradeAnswer } from "./grade-answer.js";
import { continuationAfter, type LossScorer } from "./loss-scorer.js";

/** Few-shot completion prompts invite the model to write the next question: stop there. */
export const COMPLETION_STOPS = ["\nQuestion:", "\n\nProblem:"];

/** One request to the student in the plan's prompt style: the text as a completion, or as a user message. */
export type AskStudent = (prompt: string, options: GenerateOptions) => Promise<Generation>;

/** Asks `engine` in `style`: completions stop before a next question the model might invent. */
export function studentAsker(engine: Engine, style: EvaluationPlan["style"]): AskStudent {
  return (prompt, options) =>
    style === "chat" ? engine.chat([{ role: "user", content: prompt }], options) : engine.complete(prompt, { ...options, stop: COMPLETION_STOPS });
}

/** K sampled final answers to one prompt and the entropy among them (equivalent answers grouped). */
export async function sampleAnswers(
  ask: AskStudent,
  prompt: string,
  plan: Pick<EvaluationPlan, "samples" | "sampleTemperature" | "seed" | "maxTokens"> & Partial<Pick<EvaluationPlan, "extraction">>,
  signal?: AbortSignal,
): Promise<{ answers: Array<string | null>; entropy: number }> {
  // Independent requests, in flight together. Distinct, reproducible seeds: each sample is its
  // own cached request.
  const answers = await Promise.all(
    Array.from({ length: plan.samples }, async (_, k) => {
      const sample = await ask(prompt, { maxTokens: plan.maxTokens, temperature: plan.sampleTemperature, seed: plan.seed + 1 + k, stage: "evaluate", signal });
      return extractAnswer(sample.text, plan.extraction)?.answer ?? null;
    }),
  );
  return { answers, entropy: answerDistribution(answers).entropy };
}

/**
 * Judges one benchmark item: the student answers greedily, the answer is graded against the
 * reference, and the signals are computed (loss of the reference and of the own answer; with
 * `samples`, the entropy of K sampled answers).
 */
export async function judgeItem(
  item: Example,
  position: number,
  context: { plan: EvaluationPlan; ask: AskStudent; scorer: LossScorer; signal?: AbortSignal },
): Promise<EvaluatedItem> {
  const { plan, ask, scorer, signal } = context;
  const prompt = planPrompt(plan, item.question);
  // Everything that does not depend on the answer (the reference's loss, the K samples) goes out
  // with it: two round trips per item whatever K is, and in batch mode those requests go out in
  // the same file.
  const [generation, referenceLoss, sampled] = await Promise.all([
    ask(prompt, { maxTokens: plan.maxTokens, temperature: 0, seed: plan.seed, stage: "evaluate", signal }),
    // Separated by a space as the model would continue after "Answer:".
    scorer.score(prompt, continuationAfter(prompt, item.answer)),
    plan.samples > 0 ? sampleAnswers(ask, prompt, plan, signal) : null,
  ]);
  const output = generation.text;
  const grade = gradeAnswer(output, item.answer, plan.extraction);
  const ownLoss = await scorer.score(prompt, output);
  return {
    position,
    id: item.id,
    question: item.question,
    reference: item.answer,
    referenceAnswer: grade.referenceAnswer,
    prompt,
    output,
    extracted: grade.extracted,
    extractionMethod: grade.extractionMethod,
    correct: grade.correct,
    finishReason: generation.finishReason ?? null,
    referenceLoss,
    ownLoss,
    sampleAnswers: sampled?.answers ?? null,
    sampleEntropy: sampled?.entropy ?? null,
  };
}
