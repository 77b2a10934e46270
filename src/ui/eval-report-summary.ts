import type { EvaluationSummary } from "../pipeline/evaluate/evaluation-summary.js";

/** A share as a percentage with one decimal; "–" for no value (NaN: no items). */
export const percent = (value: number) => (Number.isNaN(value) ? "–" : `${(100 * value).toFixed(1)}%`);
/** A number with fixed digits; "–" for a signal that was not computed. */
export const fixed = (value: number | null, digits = 3) => (value === null || Number.isNaN(value) ? "–" : value.toFixed(digits));
/** A p-value: exponent notation below 10⁻⁴ so a tiny p is not printed as 0. */
export const pValue = (p: number) => (Number.isNaN(p) ? "–" : p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/**
 * The summary of an evaluation as label–value pairs, the same for the terminal and the page:
 * accuracy with its interval, unanswered items, the mean signals, and on a map both
 * coefficients with their p-values.
 */
export function evalSummaryPairs(summary: EvaluationSummary): Array<[string, string]> {
  const pairs: Array<[string, string]> = [
    ["student", summary.student],
    ["benchmark", `${summary.benchmark} (${summary.items} items)`],
    ["accuracy", `${percent(summary.accuracy)} (${summary.correct}/${summary.items}), 95% interval ${percent(summary.interval95[0])} – ${percent(summary.interval95[1])}`],
    ["no answer found", String(summary.noAnswer)],
    ...(summary.failed > 0 ? ([["failed", `${summary.failed} items not judged: their requests failed (recorded); run the same command again to retry them`]] as Array<[string, string]>) : []),
    ...(summary.answerExtraction ? ([["answer extraction", summary.answerExtraction]] as Array<[string, string]>) : []),
    ["loss signals", summary.lossSignals],
    ["mean loss, reference / own answer", `${fixed(summary.meanReferenceLoss)} / ${fixed(summary.meanOwnLoss)}`],
  ];
  if (summary.meanSampleEntropy !== null) pairs.push(["mean sampled-answer entropy", `${fixed(summary.meanSampleEntropy)} nats`]);
  const da = summary.densityAccuracy;
  if (da) {
    pairs.push(["density vs accuracy", `${da.regions.length} regions (≥ ${da.minPerRegion} items each) on ${da.map}`]);
    pairs.push(["Pearson r", `${fixed(da.pearson.r)} (p = ${pValue(da.pearson.p)})`]);
    pairs.push(["Spearman ρ", `${fixed(da.spearman.rho)} (p = ${pValue(da.spearman.p)})`]);
  }
  pairs.push(["run", summary.run], ["report", summary.report]);
  return pairs;
}
