import type { Comparison } from "../pipeline/compare/compare-runs.js";
import type { CompareReportData } from "./compare-report.js";

/** Turns a comparison into what the page draws; runs are named by their directory. */
export function compareReportData(comparison: Comparison, title = "gapfill comparison"): CompareReportData {
  const runName = (index: number) => comparison.runs[index].dir;
  return {
    title,
    rows: comparison.rows,
    columns: comparison.columns.map((column) => column.key),
    cells: comparison.cells.map((row) =>
      row.map((index) => {
        if (index === null) return null;
        const { accuracy } = comparison.runs[index];
        return { accuracy: accuracy.estimate, lower: accuracy.lower, upper: accuracy.upper, n: accuracy.n, run: runName(index) };
      }),
    ),
    pairs: comparison.pairs.map((pair) => ({
      first: runName(pair.first),
      second: runName(pair.second),
      sharedItems: pair.sharedItems,
      difference: pair.difference,
      onlyFirst: pair.mcnemar.onlyFirst,
      onlySecond: pair.mcnemar.onlySecond,
      exactP: pair.mcnemar.exactP,
    })),
  };
}
