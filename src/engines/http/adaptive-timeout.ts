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
  /** Successful latencies after which the p95 is trusted. Default 8. */
  minSamples?: number;
  /** Successful latencies after which the timeout adapts at all (to twice the multiple of the slowest). Default 3. */
  earlySamples?: number;
  /** Latencies kept (the most recent). Default 256. */
  window?: number;
}

/**
 * A request timeout that follows what the endpoint has shown: `max(floor, multiple × p95)` of
 * the recent successful latencies, never above the initial timeout. A fixed 300 s timeout made a
 * 5 % hang rate cost 100× the clean time; a server that answers in 2 s does not need 300 s.
 * Between `earlySamples` and `minSamples` answers, the timeout is twice the multiple of the
 * slowest one: a small job must not wait out 300 s for a hang either, but a few samples say
 * little about how long a long generation may take.
 * Only successes are observed: a timed-out request's "latency" is the timeout itself, and
 * feeding it back would let hangs raise the timeout that is meant to cut them.
 */
export class AdaptiveTimeout {
  /** The window in arrival order (a ring once full)… */
  private readonly samples: number[] = [];
  /** …and the same values sorted: the percentile is read, not sorted for, on every request. */
  private readonly sorted: number[] = [];
  private next = 0;
  private cached: number | undefined;

  constructor(private readonly options: AdaptiveTimeoutOptions) {}

  observe(latencyMs: number): void {
    const window = this.options.window ?? 256;
    if (this.samples.length < window) this.samples.push(latencyMs);
    else {
      this.sorted.splice(lowerBound(this.sorted, this.samples[this.next]), 1);
      this.samples[this.next] = latencyMs;
    }
    this.sorted.splice(lowerBound(this.sorted, latencyMs), 0, latencyMs);
    this.next = (this.next + 1) % window;
    this.cached = undefined;
  }

  /** The timeout for an attempt now, in ms. */
  currentMs(): number {
    if (this.cached !== undefined) return this.cached;
    const { initialMs, floorMs, multiple } = this.options;
    const sorted = this.sorted;
    const count = sorted.length;
    if (count < (this.options.earlySamples ?? 3)) return initialMs;
    const high = count < (this.options.minSamples ?? 8) ? 2 * sorted[count - 1] : sorted[Math.min(count - 1, Math.ceil((this.options.percentile ?? 0.95) * count) - 1)];
    this.cached = Math.min(initialMs, Math.max(floorMs, Math.ceil(multiple * high)));
    return this.cached;
  }
}

/** The first index of `sorted` whose value is not below `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
