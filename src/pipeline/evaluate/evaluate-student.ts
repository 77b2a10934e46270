import type { Engine } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { progress, silent } from "../../core/events.js";
import { type ProportionInterval, wilsonInterval } from "../../geometry/proportion-tests.js";
import type { Run } from "../../store/run.js";
import { type EvaluateOptions, planEvaluation } from "./evaluation-plan.js";
import { beginEvaluation, type EvaluatedItem, finishEvaluation, itemWriter, readEvaluatedItems } from "./evaluation-store.js";
import { judgeItem, studentAsker } from "./judge-item.js";
import { judgePending } from "./judge-pending.js";
import { ItemFailures } from "../item-failures.js";
import { createLossScorer } from "./loss-scorer.js";

export type { EvaluateOptions } from "./evaluation-plan.js";
export { continuationAfter } from "./loss-scorer.js";

/** What an evaluation produced: every item (judged now or earlier) and the accuracy. */
export interface EvaluationResult {
  name: string;
  items: EvaluatedItem[];
  accuracy: ProportionInterval;
  /** Items judged in this call (the rest were already in the run). */
  judgedNow: number;
  /** Items whose requests failed in this call: recorded with the reason, judged again by a rerun. */
  failed: number;
  /** "scored", or why the loss signals were skipped. */
  lossSignals: string;
  seconds: number;
}

/**
 * The student answers every item (greedy), the final answer is extracted and checked against
 * the reference's with the equivalence checker, and the per-item signals are computed: the
 * student's mean token loss on the reference solution and on its own answer (teacher-forced
 * `score`), and with `samples` K the entropy of K sampled final answers.
 *
 * Every item is stored in `run` as soon as it is judged; calling again with the same items and
 * options skips the stored ones (and the engine's request cache answers repeated requests), so a
 * killed evaluation resumes. Different options under the same `name` are refused.
 *
 * Phases: {@link planEvaluation} (settle the options), {@link judgeItem} per item (answer, grade,
 * signals) run by {@link judgePending}, then the accuracy over every stored item.
 */
export async function evaluateStudent(engine: Engine, items: readonly Example[], run: Run, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const started = performance.now();
  const onEvent = options.onEvent ?? silent;
  const plan = planEvaluation(engine, items, options);
  const { name } = plan;
  beginEvaluation(run.db, plan.record, run.dir);
  const done = new Map(readEvaluatedItems(run.db, name).map((item) => [item.position, item]));
  const write = itemWriter(run.db, name);
  const failures = new ItemFailures(run.db);
  let failed = 0;
  const scorer = createLossScorer(engine, { enabled: plan.lossSignals, onEvent });
  const context = { plan, ask: studentAsker(engine, plan.style), scorer, signal: options.signal };

  const pending = items.map((_, position) => position).filter((position) => !done.has(position));
  let right = [...done.values()].filter((item) => item.correct).length;
  onEvent(progress.start("evaluate", items.length, "items"));
  if (done.size > 0) onEvent({ type: "notice", stage: "evaluate", message: `resuming: ${done.size} of ${items.length} items already judged` });
  await judgePending(pending, (position) => judgeItem(items[position], position, context), {
    concurrency: plan.concurrency,
    signal: options.signal,
    maxFailureRate: options.maxFailureRate,
    onFailed: (position, error) => {
      failed++;
      const recorded = failures.record("evaluate", name, position, error);
      onEvent({ type: "warning", stage: "evaluate", message: `item ${items[position].id} failed (${recorded.reason}); a rerun retries it: ${recorded.detail}` });
    },
    onJudged: (position, item) => {
      failures.clear("evaluate", name, position);
      write(item);
      done.set(position, item);
      if (item.correct) right++;
      onEvent(progress.tick("evaluate", done.size, items.length, `accuracy ${((100 * right) / done.size).toFixed(1)}% (${right}/${done.size})`));
    },
  });
  const seconds = (performance.now() - started) / 1000;
  onEvent(progress.end("evaluate", done.size, seconds));
  // Finished only when every item is judged: a rerun must still retry the failed ones.
  if (failed === 0) finishEvaluation(run.db, name);
  // A fully resumed evaluation scored nothing now: report what the run that judged the items found.
  const lossKey = `evaluation.${name}.loss-signals`;
  let lossSignals = scorer.status;
  if (pending.length > 0) run.setMeta(lossKey, lossSignals);
  else lossSignals = run.getMeta(lossKey) ?? lossSignals;
  const all = [...done.values()].sort((a, b) => a.position - b.position);
  run.event("evaluate-done", { name, items: all.length, correct: right, judgedNow: pending.length - failed, failed, lossSignals });
  return { name, items: all, accuracy: wilsonInterval(right, all.length), judgedNow: pending.length - failed, failed, lossSignals, seconds };
}
