import { GapfillError } from "../core/errors.js";

/** Items settled in this invocation before the failure rate is judged: one early failure is not a rate. */
export const FAILURE_RATE_MIN_ITEMS = 10;

/** Default share of failed items a stage tolerates before it stops. */
export const DEFAULT_MAX_FAILURE_RATE = 0.2;

/**
 * A stage stopped because too many of its items failed: the server is down, broken, or
 * answers in a shape gapfill cannot read. Failed items are kept; a rerun retries them.
 * `option` names the library option that sets the limit, for the CLI to show as its flag.
 */
export class FailureRateError extends GapfillError {
  readonly option = "maxFailureRate";
  readonly failed: number;
  readonly settled: number;
  constructor(stage: string, failed: number, settled: number, limit: number, sample: string) {
    super(
      "failure-rate",
      `${stage}: ${failed} of ${settled} requests failed (${Math.round((100 * failed) / settled)}%, above maxFailureRate ${limit}); last: ${sample}. ` +
        "Failed items are kept and a rerun retries them; check the server, or raise maxFailureRate",
      { retryable: true },
    );
    this.failed = failed;
    this.settled = settled;
  }
}

/**
 * Counts settled and failed items of one stage invocation and says when to stop: past
 * `maxFailureRate` once {@link FAILURE_RATE_MIN_ITEMS} have settled. The shared mechanism of
 * generate, the loop and eval: a request that cannot be answered costs its item, and only a
 * failure *rate* costs the stage.
 */
export class FailureBudget {
  private settled = 0;
  private failed = 0;
  private last = "";

  constructor(
    private readonly stage: string,
    private readonly maxRate: number = DEFAULT_MAX_FAILURE_RATE,
  ) {}

  succeeded(): void {
    this.settled++;
  }

  /** Counts a failure; returns the error to stop with when the rate is past the limit. */
  failedWith(detail: string): FailureRateError | undefined {
    this.settled++;
    this.failed++;
    this.last = detail;
    return this.exceeded();
  }

  exceeded(): FailureRateError | undefined {
    if (this.settled < FAILURE_RATE_MIN_ITEMS || this.failed / this.settled <= this.maxRate) return undefined;
    return new FailureRateError(this.stage, this.failed, this.settled, this.maxRate, this.last);
  }

  get failures(): number {
    return this.failed;
  }
}
