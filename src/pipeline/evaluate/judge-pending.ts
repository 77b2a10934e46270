import { BatchPendingError } from "../../core/errors.js";
import { failureScope } from "../../engines/http/request-failure.js";
import { FailureBudget } from "../failure-budget.js";

/** How {@link judgePending} runs and where its results go. */
export interface JudgeOptions<T> {
  concurrency: number;
  signal?: AbortSignal;
  /** Stores a judged item (the caller's durable write), in completion order. */
  onJudged: (position: number, judged: T) => void;
  /**
   * Records an item whose request could not be answered (retries ran out, the server refused
   * it). With it, such an item costs only itself: the others go on, and it stays unjudged so a
   * rerun judges it again. Without it, every failure stops the stage (the old behaviour).
   */
  onFailed?: (position: number, error: unknown) => void;
  /** With `onFailed`: stop once more than this share of the items settled so far failed. Default 0.2. */
  maxFailureRate?: number;
}

/**
 * Judges the `pending` positions with `concurrency` workers.
 *
 * A failure that costs the whole stage (a bug, a missing route, a rejected key; or the failure
 * rate past its limit) stops the workers: each finishes (and stores) the item in hand, nothing
 * new starts, and the failure is rethrown, so nothing already paid for is lost and nothing is
 * written after the caller closes the run. In batch mode an item whose request went to the
 * batch file is left unjudged and the others go on, so one export carries every item's request;
 * a {@link BatchPendingError} with their count is thrown at the end.
 */
export async function judgePending<T>(pending: readonly number[], judge: (position: number) => Promise<T>, options: JudgeOptions<T>): Promise<void> {
  let next = 0;
  let failed = false;
  let batchPending = 0;
  const budget = new FailureBudget("evaluate", options.maxFailureRate);
  const worker = async () => {
    while (next < pending.length && !failed) {
      options.signal?.throwIfAborted();
      const position = pending[next++];
      let judged: T;
      try {
        judged = await judge(position);
      } catch (error) {
        const scope = failureScope(error);
        if (scope === "pending") {
          batchPending++;
          continue;
        }
        if (scope === "stage" || !options.onFailed || options.signal?.aborted) throw error;
        options.onFailed(position, error);
        const stop = budget.failedWith(error instanceof Error ? error.message : String(error));
        if (stop) throw stop;
        continue;
      }
      budget.succeeded();
      options.onJudged(position, judged);
    }
  };
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(Math.max(1, options.concurrency), pending.length) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failure) throw failure.reason;
  if (batchPending > 0) throw new BatchPendingError(batchPending);
}
