import type { Database } from "better-sqlite3";
import { wilsonInterval } from "../../geometry/proportion-tests.js";
import { readEvaluatedItems, readEvaluationRecord } from "../evaluate/evaluation-store.js";
import { GenerateStore } from "../generate/generate-store.js";
import { describeStudent } from "../train/trained-student.js";
import { readRounds, readScores } from "./loop-store.js";
import { evaluationName } from "./evaluation-names.js";
import { loopRecords, mixOf, roundKey } from "./training-data.js";

/** Accuracy of one evaluation of a round's student. */
export interface RoundEvaluation {
  items: number;
  correct: number;
  /** Items the student got wrong (for the validation set: what S3 extrapolates next round). */
  errors: number;
  accuracy: number;
  interval95: [number, number];
  /** Judged so far, when the evaluation has not finished. */
  finished: boolean;
}

/** One round, as the report and the CLI show it. */
export interface LoopRoundSummary {
  round: number;
  strategy: string;
  phase: string;
  /** The student that selected this round's seeds (trained in the round before). */
  student: string;
  /** The student trained in this round. */
  trainedStudent: string | null;
  generated: number;
  attempts: number;
  rejected: Record<string, number>;
  teacherTokens: number;
  trainExamples: number | null;
  /** Training data of this round by source (`active r1`, `s3-error r2`, `seed`…). */
  mix: Record<string, number>;
  /** Active rounds: every seed's score, and the selected ones'. */
  scores: { all: number[]; selected: number[] } | null;
  validation: RoundEvaluation | null;
  benchmark: RoundEvaluation | null;
  stopped: string | null;
}

export interface LoopSummary {
  strategy: string | null;
  /** The base student's evaluations (round 0), when a validation or benchmark set was given. */
  baseline: { validation: RoundEvaluation | null; benchmark: RoundEvaluation | null };
  rounds: LoopRoundSummary[];
  teacherTokens: number;
  generated: number;
}

/** Reads the loop's state from a run database (works on a read-only run, a live one included). */
export function loopSummary(db: Database): LoopSummary {
  const store = new GenerateStore(db);
  const rounds = readRounds(db).map((row): LoopRoundSummary => {
    const totals = store.totals(roundKey(row.round));
    const records = loopRecords(store, row.round);
    const mix = mixOf(records);
    const seeds = (row.trainExamples ?? records.length) - records.length;
    if (seeds > 0) mix.seed = seeds;
    const scores = readScores(db, row.round);
    const present = (values: Array<number | null>) => values.filter((value): value is number => value !== null);
    return {
      round: row.round,
      strategy: row.strategy,
      phase: row.phase,
      student: describeStudent(row.student),
      trainedStudent: row.trainedStudent && describeStudent(row.trainedStudent),
      generated: totals.accepted,
      attempts: totals.attempts,
      rejected: store.rejectionCounts(roundKey(row.round)),
      teacherTokens: totals.promptTokens + totals.completionTokens,
      trainExamples: row.trainExamples,
      mix,
      scores: scores.length === 0 ? null : { all: present(scores.map((s) => s.score)), selected: present(scores.filter((s) => s.selectedRank !== null).map((s) => s.score)) },
      validation: evaluation(db, evaluationName.validation(row.round)),
      benchmark: evaluation(db, evaluationName.benchmark(row.round)),
      stopped: row.stopped,
    };
  });
  return {
    strategy: rounds[0]?.strategy ?? null,
    baseline: { validation: evaluation(db, evaluationName.validation(0)), benchmark: evaluation(db, evaluationName.benchmark(0)) },
    rounds,
    teacherTokens: rounds.reduce((sum, round) => sum + round.teacherTokens, 0),
    generated: rounds.reduce((sum, round) => sum + round.generated, 0),
  };
}

function evaluation(db: Database, name: string): RoundEvaluation | null {
  const record = readEvaluationRecord(db, name);
  if (!record) return null;
  const items = readEvaluatedItems(db, name);
  const correct = items.filter((item) => item.correct).length;
  const interval = wilsonInterval(correct, items.length);
  return { items: items.length, correct, errors: items.length - correct, accuracy: interval.estimate, interval95: [interval.lower, interval.upper], finished: record.finishedAt !== null };
}
