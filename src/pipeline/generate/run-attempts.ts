import { BatchPendingError } from "../../core/errors.js";

/** How the teacher attempts of a stage are dispatched. */
export interface AttemptSchedule<Stop extends string> {
  /** Attempts in flight at most. */
  concurrency: number;
  /** Attempt numbers already decided in an earlier run: skipped. */
  decided: ReadonlySet<number>;
  /**
   * Asked before each dispatch with the attempts still open (in flight or pending in a batch):
   * `undefined` dispatches one more, `"wait"` waits for one to settle (e.g. enough are open to
   * reach the budget), a stop reason stops dispatching for good.
   */
  gate(open: number): Stop | "wait" | undefined;
  /** Runs one attempt to its recorded outcome. */
  settle(attempt: number): Promise<void>;
  /** After each attempt settles (progress). */
  onSettled?(): void;
}

/**
 * Runs attempts 0, 1, 2, … (skipping decided ones) with bounded concurrency until the gate says
 * stop or nothing is left in flight. On the first failure no new attempt starts; the ones in
 * flight finish (their outcomes are paid for) and the failure is thrown. In batch mode an attempt
 * whose request went to the batch file counts as open, and a BatchPendingError for all of them is
 * thrown at the end. Returns the gate's last stop reason, if it gave one.
 */
export async function runAttempts<Stop extends string>(schedule: AttemptSchedule<Stop>): Promise<Stop | undefined> {
  const inFlight = new Set<Promise<void>>();
  let nextAttempt = 0;
  let failure: unknown;
  let batchPending = 0;
  let stopped: Stop | undefined;
  for (;;) {
    while (failure === undefined && stopped === undefined && inFlight.size < schedule.concurrency) {
      const verdict = schedule.gate(inFlight.size + batchPending);
      if (verdict === "wait") break;
      if (verdict !== undefined) {
        stopped = verdict;
        break;
      }
      while (schedule.decided.has(nextAttempt)) nextAttempt++;
      const job: Promise<void> = schedule
        .settle(nextAttempt++)
        .catch((error: unknown) => {
          if (error instanceof BatchPendingError) batchPending++;
          else failure ??= error;
        })
        .finally(() => {
          inFlight.delete(job);
          schedule.onSettled?.();
        });
      inFlight.add(job);
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight);
  }
  if (failure !== undefined) throw failure;
  if (batchPending > 0) throw new BatchPendingError(batchPending);
  return stopped;
}
