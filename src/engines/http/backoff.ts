/** Settings of exponential backoff with full jitter. */
export interface BackoffOptions {
  /** Delay scale of the first retry, in ms. */
  baseMs: number;
  /** Upper bound of any one computed delay, in ms. */
  maxMs: number;
}

/**
 * Full-jitter exponential backoff: a uniform draw in [0, min(max, base·2^attempt)).
 * Full jitter (not "equal" jitter) spreads a burst of clients that failed together the most,
 * which is what a 429 storm against one endpoint needs.
 * `attempt` counts retries from 0; `random` is injectable so tests are deterministic.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}
