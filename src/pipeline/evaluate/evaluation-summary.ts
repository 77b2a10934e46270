import type { DensityOnMap } from "./density-on-map.js";
import type { EvaluationResult } from "./evaluate-student.js";

/** What `gapfill eval` reports: accuracy with its interval, mean signals, and the density analysis. */
export interface EvaluationSummary {
  run: string;
  /** Where the evaluation page is written. */
  report: string;
  student: string;
  benchmark: string;
  items: number;
  correct: number;
  accuracy: number;
  interval95: [number, number];
  judgedNow: number;
  /** Items whose requests failed in this call (recorded; a rerun retries them); not in `items`. */
  failed: number;
  /** Items whose output had no final answer to extract. */
  noAnswer: number;
  lossSignals: string;
  /** How answers were extracted when not the default way (another box choice, the last-number fallback). */
  answerExtraction?: string;
  meanReferenceLoss: number | null;
  meanOwnLoss: number | null;
  meanSampleEntropy: number | null;
  densityAccuracy?: {
    map: string;
    method: string;
    notes: string[];
    regions: Array<{ id: number; cells: number; density: number; trainingPoints: number; items: number; correct: number; accuracy: number; interval95: [number, number] }>;
    pearson: { r: number; p: number };
    spearman: { rho: number; p: number };
    fit: { slope: number; intercept: number };
    minPerRegion: number;
  };
  seconds: number;
}

/** Summarises an evaluation (and, on a map, its density analysis) for printing and the report. */
export function summarizeEvaluation(
  result: EvaluationResult,
  where: { run: string; report: string; student: string; benchmark: string; map?: string; answerExtraction?: string | null },
  density?: DensityOnMap,
): EvaluationSummary {
  const { accuracy } = result;
  return {
    run: where.run,
    report: where.report,
    student: where.student,
    benchmark: where.benchmark,
    items: accuracy.n,
    correct: accuracy.successes,
    accuracy: accuracy.estimate,
    interval95: [accuracy.lower, accuracy.upper],
    judgedNow: result.judgedNow,
    failed: result.failed,
    noAnswer: result.items.filter((item) => item.extracted === null).length,
    lossSignals: result.lossSignals,
    ...(where.answerExtraction ? { answerExtraction: where.answerExtraction } : {}),
    meanReferenceLoss: mean(result.items.map((item) => item.referenceLoss)),
    meanOwnLoss: mean(result.items.map((item) => item.ownLoss)),
    meanSampleEntropy: mean(result.items.map((item) => item.sampleEntropy)),
    densityAccuracy: density && {
      map: where.map ?? "",
      method: density.placement.method,
      notes: density.placement.notes,
      regions: density.analysis.regions.map((region) => ({
        id: region.id,
        cells: region.cells.length,
        density: region.density,
        trainingPoints: region.trainingPoints,
        items: region.items,
        correct: region.correct,
        accuracy: region.accuracy.estimate,
        interval95: [region.accuracy.lower, region.accuracy.upper],
      })),
      pearson: { r: density.analysis.pearson.coefficient, p: density.analysis.pearson.p },
      spearman: { rho: density.analysis.spearman.coefficient, p: density.analysis.spearman.p },
      fit: density.analysis.fit,
      minPerRegion: density.analysis.minPerRegion,
    },
    seconds: result.seconds,
  };
}

/** Mean of the values present; null when there is none (a signal that was not computed). */
export function mean(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}
