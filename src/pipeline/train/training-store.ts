import type { Database } from "better-sqlite3";
import type { StudentRef } from "./trained-student.js";

/** A round's training job as recorded in the run (table `loop_training`). */
export interface TrainingRecord {
  round: number;
  trainer: string;
  status: "running" | "done" | "failed";
  /** openai-ft: the uploaded training file and the job, kept so a restart resumes the same job. */
  fileId: string | null;
  jobId: string | null;
  result: StudentRef | null;
  detail: string | null;
}

interface Row {
  round: number;
  trainer: string;
  status: "running" | "done" | "failed";
  file_id: string | null;
  job_id: string | null;
  result: string | null;
  detail: string | null;
}

export function readTraining(db: Database, round: number): TrainingRecord | undefined {
  const row = db.prepare("SELECT round, trainer, status, file_id, job_id, result, detail FROM loop_training WHERE round = ?").get(round) as Row | undefined;
  if (!row) return undefined;
  return {
    round: row.round,
    trainer: row.trainer,
    status: row.status,
    fileId: row.file_id,
    jobId: row.job_id,
    result: row.result === null ? null : (JSON.parse(row.result) as StudentRef),
    detail: row.detail,
  };
}

/** Records that round `round` is training (or keeps the earlier record: its ids are what a resume needs). */
export function beginTraining(db: Database, round: number, trainer: string): TrainingRecord {
  db.prepare("INSERT INTO loop_training (round, trainer, status, started_at) VALUES (?, ?, 'running', ?) ON CONFLICT(round) DO UPDATE SET status = 'running' WHERE status = 'failed'").run(
    round,
    trainer,
    new Date().toISOString(),
  );
  return readTraining(db, round)!;
}

export function recordTrainingIds(db: Database, round: number, ids: { fileId?: string; jobId?: string }): void {
  if (ids.fileId !== undefined) db.prepare("UPDATE loop_training SET file_id = ? WHERE round = ?").run(ids.fileId, round);
  if (ids.jobId !== undefined) db.prepare("UPDATE loop_training SET job_id = ? WHERE round = ?").run(ids.jobId, round);
}

export function finishTraining(db: Database, round: number, result: StudentRef, detail?: string): void {
  db.prepare("UPDATE loop_training SET status = 'done', result = ?, detail = ?, finished_at = ? WHERE round = ?").run(JSON.stringify(result), detail ?? null, new Date().toISOString(), round);
}

/** A failed job: a rerun starts a new one (the failed job's ids are dropped). */
export function failTraining(db: Database, round: number, detail: string): void {
  db.prepare("UPDATE loop_training SET status = 'failed', file_id = NULL, job_id = NULL, detail = ?, finished_at = ? WHERE round = ?").run(detail, new Date().toISOString(), round);
}
