import { RunStateError } from "../../core/errors.js";
import { type McNemarResult, mcnemarFromVerdicts } from "../../geometry/proportion-tests.js";
import { type ProportionInterval, wilsonInterval } from "../../geometry/proportion-tests.js";
import { openRun } from "../../store/run.js";
import { listEvaluations, readEvaluatedItems, readEvaluationRecord } from "../evaluate/evaluation-store.js";

import { COMPARE_META_KEYS } from "./compare-meta.js";

export { COMPARE_META_KEYS };

/** One evaluated run, reduced to what the comparison needs. */
export interface ComparedRun {
  dir: string;
  /** Row of the table: the student (family) evaluated. */
  label: string;
  /** "base" for a student not trained on generated data. */
  strategy: string;
  budget: string | null;
  student: string;
  evaluation: string;
  benchmark: string;
  benchmarkDigest: string;
  accuracy: ProportionInterval;
  /** Verdict per benchmark item id (first occurrence of an id). */
  verdicts: Map<string, boolean>;
}

/** The paired test between two runs on the items both were judged on. */
export interface PairedComparison {
  first: number;
  second: number;
  sharedItems: number;
  /** Accuracy difference first − second on the shared items. */
  difference: number;
  mcnemar: McNemarResult;
}

/** A Table-1-style comparison: rows per student, columns per (strategy, budget), "base" first. */
export interface Comparison {
  runs: ComparedRun[];
  rows: string[];
  columns: Array<{ key: string; strategy: string; budget: string | null }>;
  /** cells[row][column] = index into `runs`, or null when no run fills it. */
  cells: Array<Array<number | null>>;
  pairs: PairedComparison[];
  /** Pairs with no item in common (different benchmarks). */
  unpaired: Array<{ first: number; second: number }>;
}

/** Reads evaluation `name` (default: the run's only or first evaluation) of a run directory, read-only. */
export async function loadComparedRun(dir: string, name?: string): Promise<ComparedRun> {
  const run = await openRun(dir, { command: "compare", readonly: true });
  try {
    const names = listEvaluations(run.db);
    const evaluation = name ?? run.getMeta(COMPARE_META_KEYS.evaluation) ?? (names.includes("eval") ? "eval" : names[0]);
    if (evaluation === undefined) throw new RunStateError("run-no-evaluation", `run ${dir} has no evaluation: evaluate a student into this run first (gapfill eval)`);
    const record = readEvaluationRecord(run.db, evaluation);
    if (!record) throw new RunStateError("run-no-evaluation", `run ${dir} has no evaluation "${evaluation}" (it has: ${names.join(", ") || "none"})`);
    const items = readEvaluatedItems(run.db, evaluation);
    if (items.length === 0) throw new RunStateError("run-no-evaluation", `run ${dir}: evaluation "${evaluation}" has no judged item yet`);
    const verdicts = new Map<string, boolean>();
    for (const item of items) if (!verdicts.has(item.id)) verdicts.set(item.id, item.correct);
    const correct = items.filter((item) => item.correct).length;
    const student = run.getMeta(COMPARE_META_KEYS.student) ?? record.student;
    return {
      dir,
      label: run.getMeta(COMPARE_META_KEYS.label) ?? modelOf(student),
      strategy: run.getMeta(COMPARE_META_KEYS.strategy) ?? "base",
      budget: run.getMeta(COMPARE_META_KEYS.budget) ?? null,
      student,
      evaluation,
      benchmark: record.benchmark,
      benchmarkDigest: record.benchmarkDigest,
      accuracy: wilsonInterval(correct, items.length),
      verdicts,
    };
  } finally {
    run.close();
  }
}

function modelOf(spec: string): string {
  return spec.replace(/^[a-z]+:/, "").replace(/@.*$/, "").replace(/^.*\//, "");
}

/** Lays runs out as the paper's Table 1 and runs McNemar's test between every two runs with items in common. */
export function compareRuns(runs: readonly ComparedRun[]): Comparison {
  const rows = [...new Set(runs.map((run) => run.label))];
  const columnKey = (run: ComparedRun) => (run.strategy === "base" ? "base" : `${run.strategy}@${run.budget ?? ""}`);
  const columnMap = new Map<string, { key: string; strategy: string; budget: string | null }>();
  for (const run of runs) columnMap.set(columnKey(run), { key: columnKey(run), strategy: run.strategy, budget: run.strategy === "base" ? null : run.budget });
  const columns = [...columnMap.values()].sort((a, b) => {
    if (a.key === "base" || b.key === "base") return a.key === "base" ? -1 : b.key === "base" ? 1 : 0;
    if (a.strategy !== b.strategy) return a.strategy < b.strategy ? -1 : 1;
    return budgetValue(a.budget) - budgetValue(b.budget);
  });
  const cells = rows.map(() => columns.map((): number | null => null));
  runs.forEach((run, index) => {
    const row = rows.indexOf(run.label);
    const column = columns.findIndex((c) => c.key === columnKey(run));
    // Two runs in one cell (a rerun): the later one on the command line is shown; both are still paired below.
    cells[row][column] = index;
  });
  const pairs: PairedComparison[] = [];
  const unpaired: Array<{ first: number; second: number }> = [];
  for (let a = 0; a < runs.length; a++) {
    for (let b = a + 1; b < runs.length; b++) {
      const shared = [...runs[a].verdicts.keys()].filter((id) => runs[b].verdicts.has(id));
      if (shared.length === 0) {
        unpaired.push({ first: a, second: b });
        continue;
      }
      const first = shared.map((id) => runs[a].verdicts.get(id) as boolean);
      const second = shared.map((id) => runs[b].verdicts.get(id) as boolean);
      const difference = (first.filter(Boolean).length - second.filter(Boolean).length) / shared.length;
      pairs.push({ first: a, second: b, sharedItems: shared.length, difference, mcnemar: mcnemarFromVerdicts(first, second) });
    }
  }
  return { runs: [...runs], rows, columns, cells, pairs, unpaired };
}

function budgetValue(budget: string | null): number {
  const value = Number(budget);
  return budget === null || Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
}
