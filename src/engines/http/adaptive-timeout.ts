/** Settings of {@link AdaptiveTimeout}. */
export interface AdaptiveTimeoutOptions {
  /** The timeout before enough latencies are known, and the ceiling after. */
  initialMs: number;
  /** Never below this many ms, however fast the endpoint has been. */
  floorMs: number;
  /** The timeout is this multiple of the observed high percentile. */
  multiple: number;
  /** The percentile (0–1). Default 0.95. */
  percentile?: number;
  /** Successful latencies needed before the timeout adapts. Default 8. */
  minSamples?: number;
  /** Latencies kept (the most recent). Default 256. */
  window?: number;
}

/**
 * A request timeout that follows what the endpoint has shown: `max(floor, multiple × p95)` of
 * the recent successful latencies, never above the initial timeout. A fixed 300 s timeout made a
 * 5 % hang rate cost 100× the clean time; a server that answers in 2 s does not need 300 s.
 * Only successes are observed: a timed-out request's "latency" is the timeout itself, and
 * feeding it back would let hangs raise the timeout that is meant to cut them.
 */
export class AdaptiveTimeout {
  private readonly samples: number[] = [];
  private next = 0;
  private cached: number | undefined;

  constructor(private readonly options: AdaptiveTimeoutOptions) {}

  observe(latencyMs: number): void {
    const window = this.options.window ?? 256;
    if (this.samples.length < window) this.samples.push(latencyMs);
    else this.samples[this.next] = latencyMs;
    this.next = (this.next + 1) % window;
    this.cached = undefined;
  }

  /** The timeout for an attempt now, in ms. */
  currentMs(): number {
    if (this.cached !== undefined) return this.cached;
    const { initialMs, floorMs, multiple } = this.options;
    if (this.samples.length < (this.options.minSamples ?? 8)) return initialMs;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const index = Math.min(sorted.length - 1, Math.ceil((this.options.percentile ?? 0.95) * sorted.length) - 1);
    this.cached = Math.min(initialMs, Math.max(floorMs, Math.ceil(multiple * sorted[index])));
    return this.cached;
  }
}
