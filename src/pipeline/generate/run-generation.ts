import type { Engine } from "../../core/engine.js";
import { type ProgressListener, progress } from "../../core/events.js";
import { failureScope } from "../../engines/http/request-failure.js";
import type { Plan } from "../../strategies/strategy.js";
import type { Target } from "../../strategies/target.js";
import { FailureBudget } from "../failure-budget.js";
import { type AcceptContext, acceptOutcome } from "./accept-example.js";
import { runAttempts } from "./run-attempts.js";
import { appendsSynced } from "./synthetic-file.js";
import { type AttemptSettings, runTeacherAttempt } from "./teacher-attempt.js";

/** One generation job: a plan's targets, attempted until `count` examples are accepted. */
export interface GenerationJob extends AcceptContext {
  plan: Required<Pick<Plan, "targetOf">> & Pick<Plan, "prepare">;
  settings: AttemptSettings;
  /** Accepted examples to reach (counted across resumes). */
  count: number;
  /** Give up after this many attempts in total. */
  maxAttempts: number;
  /** Stop dispatching once the teacher has used this many tokens; `usedBefore` counts earlier jobs. */
  teacherTokens?: { limit: number; usedBefore: number };
  /** Attempts in flight. Default: twice the teacher's request concurrency (see {@link attemptsInFlight}). */
  concurrency?: number;
  /**
   * Share of attempts whose request failed (retries ran out, or the teacher refused it) after
   * which the job stops. Default 0.2. Below it a failed attempt costs only itself.
   */
  maxFailureRate?: number;
  /** Progress text prefix (e.g. "round 2: "). */
  label?: string;
  onEvent: ProgressListener;
}

export interface GenerationResult {
  accepted: number;
  attempts: number;
  /** Attempts whose request failed in this call: recorded with the reason, sent again by a rerun. */
  failed: number;
  tokens: number;
  /** `count` reached, or a limit cut the job short. */
  stopped: "count" | "teacher-tokens" | "max-attempts";
}

/**
 * The one attempt runner of generate and the loop: attempts (skipping those an earlier run
 * decided) with bounded concurrency, each prepared by the strategy, sent through its task,
 * and settled by the one accept step. Killed and run again it continues where it was; the
 * teacher's answers to attempts in flight come from the request cache.
 *
 * An attempt whose request cannot be answered (retries ran out, a 500 that repeats) is recorded
 * as failed with its reason and is not decided, so a rerun sends it again; the job goes on. It
 * stops only past `maxFailureRate` (refusals count as failures too) or on a failure that every
 * request would share (a rejected key, a missing route).
 */
export async function runGeneration(job: GenerationJob): Promise<GenerationResult> {
  const { store, key, count, onEvent } = job;
  const decided = store.decidedAttempts(key);
  // Counted in memory from the stored totals: a SQL aggregate per dispatch would grow with the run.
  const tally = store.totals(key);
  const tokens = () => tally.promptTokens + tally.completionTokens;
  const budget = new FailureBudget("generate", job.maxFailureRate);
  let failedNow = 0;
  let surplus = 0;
  const tick = () => {
    const rejected = tally.attempts - tally.accepted;
    const share = tally.attempts ? Math.round((100 * rejected) / tally.attempts) : 0;
    const failed = failedNow ? `, ${failedNow} failed` : "";
    onEvent(progress.tick("generate", tally.accepted, count, `${job.label ?? ""}accepted ${tally.accepted}, rejected ${rejected} (${share}%)${failed}, ${tokens()} teacher tokens`));
  };

  const settle = async (attempt: number) => {
    let target: Target = job.plan.targetOf(attempt);
    if (job.plan.prepare) target = await job.plan.prepare(target);
    let outcome;
    try {
      outcome = await runTeacherAttempt(target, job.settings);
    } catch (error) {
      if (failureScope(error) !== "item") throw error;
      failedNow++;
      const recorded = store.failures.record("generate", key, attempt, error);
      onEvent({ type: "warning", stage: "generate", message: `${job.label ?? ""}attempt ${attempt} failed (${recorded.reason}); a rerun sends it again: ${recorded.detail}` });
      const stop = budget.failedWith(recorded.detail);
      if (stop) throw stop;
      return;
    }
    store.failures.clear("generate", key, attempt);
    // A tail attempt whose usable example comes back after the count was reached is a spare: not
    // written, not decided; its answer stays in the request cache for a run that asks for more.
    const verdict = acceptOutcome(job, target, outcome, { full: tally.accepted >= count });
    if (verdict === "spare") {
      surplus++;
      return;
    }
    tally.attempts++;
    tally.promptTokens += outcome.usage.promptTokens;
    tally.completionTokens += outcome.usage.completionTokens;
    if (verdict === "accepted") tally.accepted++;
    // A refused request is a decided rejection (the same request would be refused again), but
    // it counts toward the failure rate: a teacher refusing everything must stop the job.
    const stop = outcome.kind === "rejected" && (outcome.reason === "teacher-error" || outcome.reason === "prompt-too-long") ? budget.failedWith(outcome.detail) : (budget.succeeded(), undefined);
    if (stop) throw stop;
  };

  tick();
  let stopped: "teacher-tokens" | "max-attempts" | undefined;
  try {
    stopped = await runAttempts({
      concurrency: job.concurrency ?? attemptsInFlight(job.settings.teacher),
      decided,
      gate: (open) => {
        if (enoughOpen(tally, open, count)) return "wait";
        if (job.teacherTokens && job.teacherTokens.usedBefore + tokens() >= job.teacherTokens.limit) return "teacher-tokens";
        if (tally.attempts + failedNow + surplus + open >= job.maxAttempts) return "max-attempts";
        return undefined;
      },
      settle,
      onSettled: tick,
    });
  } catch (error) {
    // The accepted lines reach the disk (their fsyncs run in the background) before the stop is told.
    await appendsSynced(job.syntheticPath).catch(() => undefined);
    throw error;
  }
  await appendsSynced(job.syntheticPath);
  if (surplus > 0) {
    onEvent({ type: "notice", stage: "generate", message: `${job.label ?? ""}${surplus} usable answer${surplus === 1 ? "" : "s"} came back after the count was reached: kept in the request cache for a run that asks for more, not written` });
  }
  return { accepted: tally.accepted, attempts: tally.attempts, failed: failedNow, tokens: tokens(), stopped: tally.accepted >= count ? "count" : (stopped ?? "count") };
}

/** Decided attempts before the accept rate seen so far sizes the tail (fewer: every open attempt is counted as accepted). */
export const YIELD_AFTER_ATTEMPTS = 8;

/**
 * Whether the attempts open are enough to reach `count`: each open attempt is counted as the
 * share of decided attempts accepted so far (once {@link YIELD_AFTER_ATTEMPTS} are decided; 5%
 * at least). Counting each as one accepted example let the tail run in rounds (a third of the
 * last attempts rejected, their replacements sent only then, a third of those rejected…) with
 * most slots idle: `generate` reached 0.925 of capacity at 200 ms, 0.967 with this. The price
 * is a few spare attempts whose answers come back after the count is reached (see
 * `runGeneration`; 5–6 per job of thousands of requests in the benchmark).
 */
export function enoughOpen(tally: { accepted: number; attempts: number }, open: number, count: number): boolean {
  const share = tally.attempts < YIELD_AFTER_ATTEMPTS ? 1 : Math.max(0.05, Math.min(1, tally.accepted / tally.attempts));
  return tally.accepted + open * share >= count;
}

/**
 * Attempts in flight by default: twice the teacher's request concurrency, so a slot freed by an
 * answer is taken at once by a request already waiting in the engine's pool while the attempt
 * it belonged to is read, checked and accepted (and a verify request, which waits for its
 * attempt's answer, never leaves the pool without work). 4 for an engine that declares none.
 * With a fixed 4 a teacher at `?concurrency=32` was sent 4 requests at a time.
 */
export function attemptsInFlight(teacher: Pick<Engine, "concurrency">): number {
  return teacher.concurrency ? 2 * teacher.concurrency : 4;
}
