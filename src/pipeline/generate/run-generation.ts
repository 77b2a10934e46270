import { GapfillError } from "../../core/errors.js";
import { type ProgressListener, progress } from "../../core/events.js";
import type { Plan } from "../../strategies/strategy.js";
import type { Target } from "../../strategies/target.js";
import { type AcceptContext, acceptOutcome } from "./accept-example.js";
import { runAttempts } from "./run-attempts.js";
import { type AttemptSettings, runTeacherAttempt } from "./teacher-attempt.js";

/** Teacher refusals in a row after which a job stops: the prompts or the server need a look. */
export const MAX_CONSECUTIVE_REFUSALS = 5;

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
  concurrency: number;
  /** Progress text prefix (e.g. "round 2: "). */
  label?: string;
  onEvent: ProgressListener;
}

export interface GenerationResult {
  accepted: number;
  attempts: number;
  tokens: number;
  /** `count` reached, or a limit cut the job short. */
  stopped: "count" | "teacher-tokens" | "max-attempts";
}

/**
 * The one attempt runner of generate and the loop: attempts (skipping those an earlier run
 * decided) with bounded concurrency, each prepared by the strategy, sent through its task,
 * and settled by the one accept step. Killed and run again it continues where it was; the
 * teacher's answers to attempts in flight come from the request cache.
 */
export async function runGeneration(job: GenerationJob): Promise<GenerationResult> {
  const { store, key, count, onEvent } = job;
  const decided = store.decidedAttempts(key);
  // Counted in memory from the stored totals: a SQL aggregate per dispatch would grow with the run.
  const tally = store.totals(key);
  const tokens = () => tally.promptTokens + tally.completionTokens;
  let refusals = 0;
  const tick = () => {
    const rejected = tally.attempts - tally.accepted;
    const share = tally.attempts ? Math.round((100 * rejected) / tally.attempts) : 0;
    onEvent(progress.tick("generate", tally.accepted, count, `${job.label ?? ""}accepted ${tally.accepted}, rejected ${rejected} (${share}%), ${tokens()} teacher tokens`));
  };

  const settle = async (attempt: number) => {
    let target: Target = job.plan.targetOf(attempt);
    if (job.plan.prepare) target = await job.plan.prepare(target);
    const outcome = await runTeacherAttempt(target, job.settings);
    tally.attempts++;
    tally.promptTokens += outcome.usage.promptTokens;
    tally.completionTokens += outcome.usage.completionTokens;
    if (acceptOutcome(job, target, outcome)) tally.accepted++;
    refusals = outcome.kind === "rejected" && outcome.reason === "teacher-error" ? refusals + 1 : 0;
    if (refusals >= MAX_CONSECUTIVE_REFUSALS && outcome.kind === "rejected") {
      throw new GapfillError("teacher-refusing", `the teacher refused ${refusals} requests in a row (last: ${outcome.detail}); the refusals are kept in the run, run again to continue`);
    }
  };

  tick();
  const stopped = await runAttempts({
    concurrency: job.concurrency,
    decided,
    gate: (open) => {
      if (tally.accepted + open >= count) return "wait";
      if (job.teacherTokens && job.teacherTokens.usedBefore + tokens() >= job.teacherTokens.limit) return "teacher-tokens";
      if (tally.attempts + open >= job.maxAttempts) return "max-attempts";
      return undefined;
    },
    settle,
    onSettled: tick,
  });
  return { accepted: tally.accepted, attempts: tally.attempts, tokens: tokens(), stopped: tally.accepted >= count ? "count" : (stopped ?? "count") };
}
