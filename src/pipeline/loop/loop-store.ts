import type { Database } from "better-sqlite3";
import type { StudentRef } from "../train/trained-student.js";

/** Phases of a round, in order; a round's row says which one it is in. */
export const ROUND_PHASES = ["select", "generate", "train", "evaluate", "done"] as const;
export type RoundPhase = (typeof ROUND_PHASES)[number];

/** A round of the loop as recorded (table `loop_rounds`). */
export interface RoundRecord {
  round: number;
  strategy: string;
  phase: RoundPhase;
  /** The student this round scored seeds with: the one trained in the round before. */
  student: StudentRef;
  /** The student this round trained (the next round's). */
  trainedStudent: StudentRef | null;
  trainFile: string | null;
  trainExamples: number | null;
  /** Why generation stopped short of --per-round, if it did. */
  stopped: string | null;
}

interface Row {
  round: number;
  strategy: string;
  phase: RoundPhase;
  student: string;
  trained_student: string | null;
  train_file: string | null;
  train_examples: number | null;
  stopped: string | null;
}

const decode = (row: Row): RoundRecord => ({
  round: row.round,
  strategy: row.strategy,
  phase: row.phase,
  student: JSON.parse(row.student) as StudentRef,
  trainedStudent: row.trained_student === null ? null : (JSON.parse(row.trained_student) as StudentRef),
  trainFile: row.train_file,
  trainExamples: row.train_examples,
  stopped: row.stopped,
});

export function readRounds(db: Database): RoundRecord[] {
  return (db.prepare("SELECT * FROM loop_rounds ORDER BY round").all() as Row[]).map(decode);
}

export function readRound(db: Database, round: number): RoundRecord | undefined {
  const row = db.prepare("SELECT * FROM loop_rounds WHERE round = ?").get(round) as Row | undefined;
  return row && decode(row);
}

/** The round's row, created in phase "select" when it is new. */
export function beginRound(db: Database, round: number, strategy: string, student: StudentRef): RoundRecord {
  db.prepare("INSERT INTO loop_rounds (round, strategy, phase, student, started_at) VALUES (?, ?, 'select', ?, ?) ON CONFLICT(round) DO NOTHING").run(
    round,
    strategy,
    JSON.stringify(student),
    new Date().toISOString(),
  );
  return readRound(db, round)!;
}

export function setPhase(db: Database, round: number, phase: RoundPhase, fields: { trainedStudent?: StudentRef; trainFile?: string; trainExamples?: number; stopped?: string | null } = {}): void {
  db.prepare(
    `UPDATE loop_rounds SET phase = ?,
       trained_student = COALESCE(?, trained_student), train_file = COALESCE(?, train_file), train_examples = COALESCE(?, train_examples),
       stopped = CASE WHEN ? THEN ? ELSE stopped END, finished_at = CASE WHEN ? = 'done' THEN ? ELSE finished_at END
     WHERE round = ?`,
  ).run(
    phase,
    fields.trainedStudent === undefined ? null : JSON.stringify(fields.trainedStudent),
    fields.trainFile ?? null,
    fields.trainExamples ?? null,
    fields.stopped === undefined ? 0 : 1,
    fields.stopped ?? null,
    phase,
    new Date().toISOString(),
    round,
  );
}

/** One seed's active score in a round; `selectedRank` is its place among the selected (0 = first), null if not selected. */
export interface SeedScore {
  position: number;
  exampleId: string;
  score: number | null;
  selectedRank: number | null;
}

/** Stores a round's scores and selection in one transaction: a selection is either all there or not at all. */
export function saveScores(db: Database, round: number, scores: readonly SeedScore[]): void {
  const insert = db.prepare("INSERT INTO loop_scores (round, position, example_id, score, selected_rank) VALUES (?, ?, ?, ?, ?)");
  db.transaction(() => {
    db.prepare("DELETE FROM loop_scores WHERE round = ?").run(round);
    for (const score of scores) insert.run(round, score.position, score.exampleId, score.score, score.selectedRank);
  })();
}

export function readScores(db: Database, round: number): SeedScore[] {
  const rows = db.prepare("SELECT position, example_id, score, selected_rank FROM loop_scores WHERE round = ? ORDER BY position").all(round) as Array<{
    position: number;
    example_id: string;
    score: number | null;
    selected_rank: number | null;
  }>;
  return rows.map((row) => ({ position: row.position, exampleId: row.example_id, score: row.score, selectedRank: row.selected_rank }));
}
