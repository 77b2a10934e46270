import type { Engine } from "../../core/engine.js";
import { BatchPendingError, CapabilityError, GapfillError } from "../../core/errors.js";
import { type ProgressListener, silent } from "../../core/events.js";

/**
 * The student's mean token loss on a continuation of a prompt, for the two loss signals of an
 * evaluation (on the reference solution, on its own answer). `status` says whether they are
 * being scored and, when not, why.
 */
export interface LossScorer {
  /** Mean loss in nats, or null when the signals are off or the continuation is empty. */
  score(prompt: string, continuation: string): Promise<number | null>;
  /** "scored", or "skipped: …" with the reason. */
  readonly status: string;
}

/**
 * A scorer over `engine`'s teacher-forced `score`. Off when `enabled` is false or the engine has
 * no "score" capability; turned off for good (with a notice) when the engine turns out not to
 * support it after all — a capability error, or the same kind of failure on several items in a
 * row (a server that answers log-prob requests without log-probs). One item's failure (a garbled
 * reply) loses only that item's signals. The answers are judged either way. Retryable failures
 * were already retried by the engine, and batch-pending is how batch mode stops: both propagate.
 */
/** Scoring failures in a row (not a capability error) after which the signals are turned off. */
export const LOSS_FAILURES_BEFORE_OFF = 3;

export function createLossScorer(engine: Engine, options: { enabled?: boolean; onEvent?: ProgressListener } = {}): LossScorer {
  const onEvent = options.onEvent ?? silent;
  let scoring = options.enabled ?? true;
  let failuresInARow = 0;
  let status = "scored";
  if (!scoring) status = "skipped: turned off";
  else if (!engine.capabilities.has("score")) {
    scoring = false;
    status = `skipped: ${engine.spec} has no token log-probs (the "score" capability)`;
    onEvent({ type: "notice", stage: "evaluate", message: `loss signals ${status}` });
  }
  return {
    get status() {
      return status;
    },
    async score(prompt, continuation) {
      if (!scoring || continuation.trim() === "") return null;
      try {
        const { meanLoss } = await engine.score(prompt, continuation, { stage: "evaluate" });
        failuresInARow = 0;
        return meanLoss;
      } catch (error) {
        if (!(error instanceof GapfillError) || error.retryable || error instanceof BatchPendingError) throw error;
        if (!(error instanceof CapabilityError) && ++failuresInARow < LOSS_FAILURES_BEFORE_OFF) return null;
        scoring = false;
        status = `skipped: ${engine.spec} could not score a continuation (${error.message})`;
        onEvent({ type: "notice", stage: "evaluate", message: `loss signals ${status}; answers are still judged` });
        return null;
      }
    },
  };
}

/** The reference solution as the continuation of the prompt: one space after a prompt ending in a label. */
export function continuationAfter(prompt: string, answer: string): string {
  const text = answer.trim();
  return /\s$/.test(prompt) ? text : ` ${text}`;
}
