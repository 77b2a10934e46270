import { BatchPendingError } from "../../core/errors.js";

/**
 * Judges the `pending` positions with `concurrency` workers; `onJudged` stores each result as it
 * comes (the caller's durable write), in completion order.
 *
 * On the first failure the other workers finish (and store) the item in hand and stop, so
 * nothing already paid for is lost and nothing is written after the caller closes the run; the
 * failure is then rethrown. In batch mode an item whose request went to the batch file is left
 * unjudged and the others go on, so one export carries every item's request; a
 * {@link BatchPendingError} with their count is thrown at the end.
 */
export async function judgePending<T>(
  pending: readonly number[],
  judge: (position: number) => Promise<T>,
  options: { concurrency: number; signal?: AbortSignal; onJudged: (position: number, judged: T) => void },
): Promise<void> {
  let next = 0;
  let failed = false;
  let batchPending = 0;
  const worker = async () => {
    while (next < pending.length && !failed) {
      options.signal?.throwIfAborted();
      const position = pending[next++];
      let judged: T;
      try {
        judged = await judge(position);
      } catch (error) {
        if (!(error instanceof BatchPendingError)) throw error;
        batchPending++;
        continue;
      }
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
