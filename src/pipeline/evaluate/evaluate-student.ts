import { createHash } from "node:crypto";
import type { Engine, GenerateOptions, Generation } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { BatchPendingError, GapfillError } from "../../core/errors.js";
import { type ProgressListener, progress, silent } from "../../core/events.js";
import { answersEquivalent, extractAnswer } from "../../data/answers/index.js";
import { type ProportionInterval, wilsonInterval } from "../../geometry/proportion-tests.js";
import type { Run } from "../../store/run.js";
import { answerDistribution } from "./answer-entropy.js";
import { type EvalTemplate, loadEvalTemplate, type PromptStyle, renderEvalPrompt } from "./eval-prompt.js";
import { beginEvaluation, type EvaluatedItem, finishEvaluation, itemWriter, readEvaluatedItems } from "./evaluation-store.js";

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
  /** Items in flight at once. Default 8 for HTTP engines, 1 for the embedded one (it runs one sequence). */
  concurrency?: number;
  onEvent?: ProgressListener;
  signal?: AbortSignal;
}

/** What an evaluation produced: every item (judged now or earlier) and the accuracy. */
export interface EvaluationResult {
  name: string;
  items: EvaluatedItem[];
  accuracy: ProportionInterval;
  /** Items judged in this call (the rest were already in the run). */
  judgedNow: number;
  /** "scored", or why the loss signals were skipped. */
  lossSignals: string;
  seconds: number;
}

const DEFAULT_MAX_TOKENS = 512;
/** Few-shot completion prompts invite the model to write the next question: stop there. */
const COMPLETION_STOPS = ["\nQuestion:", "\n\nProblem:"];

/**
 * The student answers every item (greedy), the final answer is extracted and checked against
 * the reference's with the equivalence checker, and the per-item signals are computed: the
 * student's mean token loss on the reference solution and on its own answer (teacher-forced
 * `score`), and with `samples` K the entropy of K sampled final answers.
 *
 * Every item is stored in `run` as soon as it is judged; calling again with the same items and
 * options skips the stored ones (and the engine's request cache answers repeated requests), so a
 * killed evaluation resumes. Different options under the same `name` are refused.
 */
export async function evaluateStudent(engine: Engine, items: readonly Example[], run: Run, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const started = performance.now();
  const onEvent = options.onEvent ?? silent;
  const name = options.name ?? "eval";
  const style = options.style ?? "completion";
  const template = options.template ?? loadEvalTemplate(style);
  const shots = options.shots ?? [];
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const samples = options.samples ?? 0;
  const sampleTemperature = options.sampleTemperature ?? 0.7;
  const seed = options.seed ?? 0;
  const capability = style === "chat" ? "chat" : "complete";
  if (!engine.capabilities.has(capability)) {
    throw new GapfillError("capability-missing", `${engine.spec} cannot "${capability}": use --prompt-style ${style === "chat" ? "completion" : "chat"}`, { userFixable: true });
  }

  const benchmarkDigest = digest(items.map((item) => `${item.id}\u0000${item.question}\u0000${item.answer}`));
  const params = {
    style,
    template: template.hash,
    shots: digest(shots.map((shot) => `${shot.question}\u0000${shot.answer}`)),
    shotCount: shots.length,
    maxTokens,
    samples,
    sampleTemperature: samples > 0 ? sampleTemperature : null,
    seed,
  };
  beginEvaluation(run.db, { name, student: engine.spec, benchmark: options.benchmark ?? "", benchmarkDigest, items: items.length, params }, run.dir);
  const done = new Map(readEvaluatedItems(run.db, name).map((item) => [item.position, item]));
  const write = itemWriter(run.db, name);

  let lossSignals = "scored";
  let scoring = options.lossSignals ?? true;
  if (!scoring) lossSignals = "skipped: turned off";
  else if (!engine.capabilities.has("score")) {
    scoring = false;
    lossSignals = `skipped: ${engine.spec} has no token log-probs (the "score" capability)`;
    onEvent({ type: "notice", stage: "evaluate", message: `loss signals ${lossSignals}` });
  }
  /** Scores, or turns the loss signals off for good when the engine turns out not to support it. */
  const score = async (prompt: string, continuation: string): Promise<number | null> => {
    if (!scoring || continuation.trim() === "") return null;
    try {
      return (await engine.score(prompt, continuation, { stage: "evaluate" })).meanLoss;
    } catch (error) {
      // A retryable failure was already retried by the engine: that one is a real failure.
      if (!(error instanceof GapfillError) || error.retryable || error instanceof BatchPendingError) throw error;
      scoring = false;
      lossSignals = `skipped: ${engine.spec} could not score a continuation (${error.message})`;
      onEvent({ type: "notice", stage: "evaluate", message: `loss signals ${lossSignals}; answers are still judged` });
      return null;
    }
  };

  const ask = (prompt: string, generate: GenerateOptions): Promise<Generation> =>
    style === "chat"
      ? engine.chat([{ role: "user", content: prompt }], generate)
      : engine.complete(prompt, { ...generate, stop: COMPLETION_STOPS });

  const judge = async (position: number): Promise<EvaluatedItem> => {
    const item = items[position];
    const prompt = renderEvalPrompt(template, item.question, shots);
    // The reference is scored alongside the answer (it does not depend on it): one round trip
    // less, and in batch mode both requests go out in the same file.
    const [generation, referenceLoss] = await Promise.all([
      ask(prompt, { maxTokens, temperature: 0, seed, stage: "evaluate", signal: options.signal }),
      // Separated by a space as the model would continue after "Answer:".
      score(prompt, continuationAfter(prompt, item.answer)),
    ]);
    const output = generation.text;
    const extracted = extractAnswer(output);
    const referenceAnswer = extractAnswer(item.answer)?.answer ?? (item.answer.trim() === "" ? null : item.answer.trim());
    const correct = extracted !== null && referenceAnswer !== null && answersEquivalent(extracted.answer, referenceAnswer);
    const ownLoss = await score(prompt, output);
    let sampleAnswers: Array<string | null> | null = null;
    let sampleEntropy: number | null = null;
    if (samples > 0) {
      sampleAnswers = [];
      for (let k = 0; k < samples; k++) {
        // Distinct, reproducible seeds: each sample is its own cached request.
        const sample = await ask(prompt, { maxTokens, temperature: sampleTemperature, seed: seed + 1 + k, stage: "evaluate", signal: options.signal });
        sampleAnswers.push(extractAnswer(sample.text)?.answer ?? null);
      }
      sampleEntropy = answerDistribution(sampleAnswers).entropy;
    }
    return {
      position,
      id: item.id,
      question: item.question,
      reference: item.answer,
      referenceAnswer,
      prompt,
      output,
      extracted: extracted?.answer ?? null,
      extractionMethod: extracted?.method ?? null,
      correct,
      finishReason: generation.finishReason ?? null,
      referenceLoss,
      ownLoss,
      sampleAnswers,
      sampleEntropy,
    };
  };

  const pending = items.map((_, position) => position).filter((position) => !done.has(position));
  let right = [...done.values()].filter((item) => item.correct).length;
  let judged = done.size;
  onEvent(progress.start("evaluate", items.length, "items"));
  if (done.size > 0) onEvent({ type: "notice", stage: "evaluate", message: `resuming: ${done.size} of ${items.length} items already judged` });
  const concurrency = Math.max(1, options.concurrency ?? (engine.kind === "llama" ? 1 : 8));
  let next = 0;
  let failed = false;
  // Batch mode: an item whose request went to the batch file is left unjudged; the others go on,
  // so one export carries every item's request.
  let batchPending = 0;
  const worker = async () => {
    while (next < pending.length && !failed) {
      options.signal?.throwIfAborted();
      const position = pending[next++];
      let item: EvaluatedItem;
      try {
        item = await judge(position);
      } catch (error) {
        if (!(error instanceof BatchPendingError)) throw error;
        batchPending++;
        continue;
      }
      write(item);
      done.set(position, item);
      judged++;
      if (item.correct) right++;
      onEvent(progress.tick("evaluate", judged, items.length, `accuracy ${((100 * right) / judged).toFixed(1)}% (${right}/${judged})`));
    }
  };
  // On the first failure the other workers finish (and store) the item in hand and stop, so
  // nothing already paid for is lost and nothing is written after the caller closes the run.
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, pending.length) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failure) throw failure.reason;
  if (batchPending > 0) throw new BatchPendingError(batchPending);
  const seconds = (performance.now() - started) / 1000;
  onEvent(progress.end("evaluate", judged, seconds));
  finishEvaluation(run.db, name);
  // A fully resumed evaluation scored nothing now: report what the run that judged the items found.
  const lossKey = `evaluation.${name}.loss-signals`;
  if (pending.length > 0) run.setMeta(lossKey, lossSignals);
  else lossSignals = run.getMeta(lossKey) ?? lossSignals;
  const all = [...done.values()].sort((a, b) => a.position - b.position);
  run.event("evaluate-done", { name, items: all.length, correct: right, judgedNow: pending.length, lossSignals });
  return { name, items: all, accuracy: wilsonInterval(right, all.length), judgedNow: pending.length, lossSignals, seconds };
}

/** The reference solution as the continuation of the prompt: one space after a prompt ending in a label. */
export function continuationAfter(prompt: string, answer: string): string {
  const text = answer.trim();
  return /\s$/.test(prompt) ? text : ` ${text}`;
}

function digest(lines: readonly string[]): string {
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
}
