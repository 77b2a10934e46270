import type { Database } from "better-sqlite3";
import { RunStateError } from "../../core/errors.js";
import { canonicalJson } from "../../store/canonical-json.js";

/** One judged benchmark item with its student signals, as stored in `evaluation_items`. */
export interface EvaluatedItem {
  /** 0-based position in the benchmark. */
  position: number;
  id: string;
  question: string;
  /** The benchmark's reference solution, as written. */
  reference: string;
  /** The final answer extracted from the reference (null when none could be: then no verdict can be right). */
  referenceAnswer: string | null;
  prompt: string;
  /** The student's raw output. */
  output: string;
  extracted: string | null;
  extractionMethod: string | null;
  correct: boolean;
  finishReason: string | null;
  /** Mean token loss (nats) of the reference solution after the prompt, under the student. */
  referenceLoss: number | null;
  /** Mean token loss (nats) of the student's own greedy output. */
  ownLoss: number | null;
  /** Final answers of the K sampled outputs (null: none extracted). */
  sampleAnswers: Array<string | null> | null;
  /** Entropy (nats) among the sampled final answers, equivalent answers grouped. */
  sampleEntropy: number | null;
}

/** The header row of an evaluation. */
export interface EvaluationRecord {
  name: string;
  student: string;
  benchmark: string;
  benchmarkDigest: string;
  items: number;
  params: Record<string, unknown>;
  createdAt: string;
  finishedAt: string | null;
}

interface ItemRow {
  position: number;
  item_id: string;
  question: string;
  reference: string;
  reference_answer: string | null;
  prompt: string;
  output: string;
  extracted: string | null;
  extraction_method: string | null;
  correct: number;
  finish_reason: string | null;
  reference_loss: number | null;
  own_loss: number | null;
  sample_answers: string | null;
  sample_entropy: number | null;
}

/**
 * Records evaluation `name` (or checks that an earlier start used the same settings: resuming
 * with another student, benchmark or template would mix two evaluations in one table).
 */
export function beginEvaluation(db: Database, record: Omit<EvaluationRecord, "createdAt" | "finishedAt">, label: string): "new" | "resume" {
  return db
    .transaction((): "new" | "resume" => {
      const previous = readEvaluationRecord(db, record.name);
      if (previous === undefined) {
        db.prepare(
          "INSERT INTO evaluations (name, student, benchmark, benchmark_digest, items, params, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ).run(record.name, record.student, record.benchmark, record.benchmarkDigest, record.items, canonicalJson(record.params), new Date().toISOString());
        return "new";
      }
      const before = { student: previous.student, benchmarkDigest: previous.benchmarkDigest, ...previous.params };
      const after = { student: record.student, benchmarkDigest: record.benchmarkDigest, ...record.params };
      const changed = Object.keys({ ...before, ...after }).filter((key) => canonicalJson(before[key as keyof typeof before]) !== canonicalJson(after[key as keyof typeof after]));
      if (changed.length > 0) {
        const detail = changed.map((key) => `${key}: ${canonicalJson(before[key as keyof typeof before]) ?? "unset"} → ${canonicalJson(after[key as keyof typeof after]) ?? "unset"}`).join("; ");
        throw new RunStateError(
          "run-params-changed",
          `run ${label}: evaluation "${record.name}" was started with different settings (${detail}); use a new run directory or the earlier settings`,
        );
      }
      return "resume";
    })
    .immediate();
}

export function finishEvaluation(db: Database, name: string): void {
  db.prepare("UPDATE evaluations SET finished_at = ? WHERE name = ?").run(new Date().toISOString(), name);
}

export function readEvaluationRecord(db: Database, name: string): EvaluationRecord | undefined {
  const row = db.prepare("SELECT * FROM evaluations WHERE name = ?").get(name) as
    | { name: string; student: string; benchmark: string; benchmark_digest: string; items: number; params: string; created_at: string; finished_at: string | null }
    | undefined;
  if (!row) return undefined;
  return {
    name: row.name,
    student: row.student,
    benchmark: row.benchmark,
    benchmarkDigest: row.benchmark_digest,
    items: row.items,
    params: JSON.parse(row.params) as Record<string, unknown>,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

/** Names of the evaluations stored in a run, oldest first. */
export function listEvaluations(db: Database): string[] {
  return db.prepare("SELECT name FROM evaluations ORDER BY created_at, name").pluck().all() as string[];
}

/** A writer of judged items; each item is one small transaction, so a kill loses at most the items in flight. */
export function itemWriter(db: Database, name: string): (item: EvaluatedItem) => void {
  const insert = db.prepare(
    `INSERT INTO evaluation_items (evaluation, position, item_id, question, reference, reference_answer, prompt, output, extracted,
       extraction_method, correct, finish_reason, reference_loss, own_loss, sample_answers, sample_entropy, judged_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(evaluation, position) DO NOTHING`,
  );
  return (item) => {
    insert.run(
      name,
      item.position,
      item.id,
      item.question,
      item.reference,
      item.referenceAnswer,
      item.prompt,
      item.output,
      item.extracted,
      item.extractionMethod,
      item.correct ? 1 : 0,
      item.finishReason,
      item.referenceLoss,
      item.ownLoss,
      item.sampleAnswers === null ? null : JSON.stringify(item.sampleAnswers),
      item.sampleEntropy,
      new Date().toISOString(),
    );
  };
}

/** The judged items of evaluation `name`, in benchmark order. */
export function readEvaluatedItems(db: Database, name: string): EvaluatedItem[] {
  const rows = db.prepare("SELECT * FROM evaluation_items WHERE evaluation = ? ORDER BY position").all(name) as ItemRow[];
  return rows.map((row) => ({
    position: row.position,
    id: row.item_id,
    question: row.question,
    reference: row.reference,
    referenceAnswer: row.reference_answer,
    prompt: row.prompt,
    output: row.output,
    extracted: row.extracted,
    extractionMethod: row.extraction_method,
    correct: row.correct === 1,
    finishReason: row.finish_reason,
    referenceLoss: row.reference_loss,
    ownLoss: row.own_loss,
    sampleAnswers: row.sample_answers === null ? null : (JSON.parse(row.sample_answers) as Array<string | null>),
    sampleEntropy: row.sample_entropy,
  }));
}
