/**
 * Bounded, adaptive concurrency over one or more base URLs of the same model.
 *
 * Each endpoint has a concurrency limit that follows AIMD: halved on an overload signal (429,
 * 503, 504, a timeout, a refused connection), raised by one after
 * `increaseAfter` successes, never above the configured maximum. A caller acquires a lease on
 * the least-loaded endpoint (most free slots, then lowest in-flight ÷ limit) or waits, FIFO,
 * until one frees up. Counting free slots, not just in-flight requests, matters when one URL
 * is down: it fails fast, so it is never "busy", but its limit has collapsed to the floor. Only one halving happens per "window": throttles reported by leases taken
 * before the last decrease are ignored, so a burst of 429s from requests already in flight
 * does not collapse the limit to 1.
 */

/**
 * What became of a leased call, for the AIMD controller: only "throttled" (an overload signal:
 * 429, 503, 504, timeout, network) shrinks the limit. "failed" (a 500, an unreadable answer: one
 * request went wrong, which says nothing about load) and "rejected" (the server judged the
 * request itself wrong, e.g. 400) leave it alone; "failed" only restarts the count to growth.
 */
export type CallOutcome = "ok" | "throttled" | "failed" | "rejected";

export interface Lease {
  readonly baseUrl: string;
  /** Give the slot back. Call exactly once; later calls are ignored. */
  release(outcome: CallOutcome): void;
}

export interface EndpointPoolOptions {
  /** Maximum concurrent requests per endpoint (the starting limit). */
  concurrency: number;
  /** Floor of the adaptive limit. Default 1. */
  minConcurrency?: number;
  /** Successes needed before the limit grows by one. Default 4 (measured: with 8, random 429s at 7% kept eval at 2.6–3.3× clean under 35% faults; with 4, 1.7–1.9×). */
  increaseAfter?: number;
  /**
   * Overload signals among the last `overloadWindow` outcomes that halve the limit. Default 3
   * of 16: one 429 among many answers is noise (a fixed 35 % fault mix collapsed the pool to 1
   * and made a run 8× slower); a server that is really saturated sends them in a row.
   */
  overloadThreshold?: number;
  overloadWindow?: number;
  /** Told when an endpoint's limit changes (the engine turns this into a progress notice). */
  onLimitChange?: (baseUrl: string, from: number, to: number) => void;
}

/** A point-in-time view of one endpoint, for tests and diagnostics. */
export interface EndpointSnapshot {
  baseUrl: string;
  inFlight: number;
  limit: number;
}

interface Endpoint {
  baseUrl: string;
  inFlight: number;
  limit: number;
  successes: number;
  /** Bumped on every decrease; leases remember the epoch they started in. */
  epoch: number;
  /** Recent outcomes, true for an overload signal (oldest first). */
  recent: boolean[];
}

interface Waiter {
  grant: (lease: Lease) => void;
}

export class EndpointPool {
  private readonly endpoints: Endpoint[];
  private readonly waiters: Waiter[] = [];
  private readonly maxLimit: number;
  private readonly minLimit: number;
  private readonly increaseAfter: number;
  private readonly overloadThreshold: number;
  private readonly overloadWindow: number;
  private readonly onLimitChange?: (baseUrl: string, from: number, to: number) => void;

  constructor(baseUrls: readonly string[], options: EndpointPoolOptions) {
    if (baseUrls.length === 0) throw new Error("EndpointPool needs at least one base URL");
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new Error(`concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.maxLimit = options.concurrency;
    this.minLimit = Math.min(options.minConcurrency ?? 1, this.maxLimit);
    this.increaseAfter = options.increaseAfter ?? 4;
    this.overloadThreshold = Math.max(1, options.overloadThreshold ?? 3);
    this.overloadWindow = Math.max(this.overloadThreshold, options.overloadWindow ?? 16);
    this.onLimitChange = options.onLimitChange;
    this.endpoints = baseUrls.map((baseUrl) => ({ baseUrl, inFlight: 0, limit: this.maxLimit, successes: 0, epoch: 0, recent: [] }));
  }

  /** Wait for a free slot on the least-loaded endpoint. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<Lease> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const endpoint = this.pick();
    if (endpoint && this.waiters.length === 0) return Promise.resolve(this.lease(endpoint));
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (lease) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(lease);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  snapshot(): EndpointSnapshot[] {
    return this.endpoints.map(({ baseUrl, inFlight, limit }) => ({ baseUrl, inFlight, limit }));
  }

  private pick(): Endpoint | undefined {
    let best: Endpoint | undefined;
    for (const endpoint of this.endpoints) {
      if (endpoint.inFlight >= endpoint.limit) continue;
      if (!best) {
        best = endpoint;
        continue;
      }
      const free = endpoint.limit - endpoint.inFlight;
      const bestFree = best.limit - best.inFlight;
      if (free > bestFree || (free === bestFree && endpoint.inFlight / endpoint.limit < best.inFlight / best.limit)) best = endpoint;
    }
    return best;
  }

  private lease(endpoint: Endpoint): Lease {
    endpoint.inFlight += 1;
    const epoch = endpoint.epoch;
    let released = false;
    return {
      baseUrl: endpoint.baseUrl,
      release: (outcome) => {
        if (released) return;
        released = true;
        endpoint.inFlight -= 1;
        this.adapt(endpoint, outcome, epoch);
        this.dispatch();
      },
    };
  }

  private adapt(endpoint: Endpoint, outcome: CallOutcome, leaseEpoch: number): void {
    if (outcome !== "rejected") {
      endpoint.recent.push(outcome === "throttled");
      if (endpoint.recent.length > this.overloadWindow) endpoint.recent.shift();
    }
    if (outcome === "failed") endpoint.successes = 0;
    else if (outcome === "throttled") {
      endpoint.successes = 0;
      if (leaseEpoch !== endpoint.epoch) return;
      if (endpoint.recent.filter(Boolean).length < this.overloadThreshold) return;
      // The signals that caused this decrease must not cause the next one too.
      endpoint.recent = [];
      const from = endpoint.limit;
      endpoint.limit = Math.max(this.minLimit, Math.floor(endpoint.limit / 2));
      endpoint.epoch += 1;
      if (endpoint.limit !== from) this.onLimitChange?.(endpoint.baseUrl, from, endpoint.limit);
    } else if (outcome === "ok" && endpoint.limit < this.maxLimit) {
      endpoint.successes += 1;
      if (endpoint.successes >= this.increaseAfter) {
        endpoint.successes = 0;
        const from = endpoint.limit;
        endpoint.limit += 1;
        this.onLimitChange?.(endpoint.baseUrl, from, endpoint.limit);
      }
    }
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const endpoint = this.pick();
      if (!endpoint) return;
      const waiter = this.waiters.shift()!;
      waiter.grant(this.lease(endpoint));
    }
  }
}
