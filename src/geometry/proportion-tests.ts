/**
 * Accuracy statistics: the Wilson score interval of a proportion, and McNemar's test of two
 * classifiers judged on the same items (exact binomial and continuity-corrected χ²).
 */
import { binomialCdf, chiSquaredUpperP } from "./special-functions.js";

/** z of a two-sided 95% normal interval. */
export const Z_95 = 1.959963984540054;

/** A proportion with its confidence interval. */
export interface ProportionInterval {
  successes: number;
  n: number;
  /** successes / n (NaN when n is 0). */
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * Wilson score interval for `successes` out of `n` (default 95%). Unlike the normal ("Wald")
 * interval it stays inside [0, 1] and is sensible at 0 or n successes and for small n.
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): ProportionInterval {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || successes < 0 || n < 0 || successes > n) {
    throw new RangeError(`Wilson interval needs integers 0 ≤ successes ≤ n, got ${successes} of ${n}`);
  }
  if (n === 0) return { successes, n, estimate: Number.NaN, lower: 0, upper: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exact bounds at the ends (the formula gives them up to rounding).
  return { successes, n, estimate: p, lower: successes === 0 ? 0 : Math.max(0, centre - half), upper: successes === n ? 1 : Math.min(1, centre + half) };
}

/** McNemar's test on the discordant pairs of two runs judged on the same items. */
export interface McNemarResult {
  /** Items the first run got right and the second wrong. */
  onlyFirst: number;
  /** Items the second run got right and the first wrong. */
  onlySecond: number;
  /** Exact two-sided p: 2·P(X ≤ min(b, c)), X ~ Binomial(b + c, ½), capped at 1. */
  exactP: number;
  /** Continuity-corrected statistic (|b − c| − 1)² / (b + c); 0 when b + c = 0. */
  chiSquared: number;
  /** Upper χ²(1) tail of `chiSquared`. */
  chiSquaredP: number;
}

/** McNemar's test from the two discordant counts b (first right only) and c (second right only). */
export function mcnemarTest(onlyFirst: number, onlySecond: number): McNemarResult {
  for (const [name, value] of [["b", onlyFirst], ["c", onlySecond]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`McNemar count ${name} must be a non-negative integer, got ${value}`);
  }
  const discordant = onlyFirst + onlySecond;
  if (discordant === 0) return { onlyFirst, onlySecond, exactP: 1, chiSquared: 0, chiSquaredP: 1 };
  const exactP = Math.min(1, 2 * binomialCdf(Math.min(onlyFirst, onlySecond), discordant, 0.5));
  const chiSquared = Math.max(0, Math.abs(onlyFirst - onlySecond) - 1) ** 2 / discordant;
  return { onlyFirst, onlySecond, exactP, chiSquared, chiSquaredP: chiSquaredUpperP(chiSquared, 1) };
}

/** McNemar's test from two equal-length verdict lists over the same items. */
export function mcnemarFromVerdicts(first: readonly boolean[], second: readonly boolean[]): McNemarResult {
  if (first.length !== second.length) throw new RangeError(`McNemar needs verdicts on the same items: ${first.length} vs ${second.length}`);
  let onlyFirst = 0;
  let onlySecond = 0;
  for (let i = 0; i < first.length; i++) {
    if (first[i] && !second[i]) onlyFirst++;
    else if (!first[i] && second[i]) onlySecond++;
  }
  return mcnemarTest(onlyFirst, onlySecond);
}
