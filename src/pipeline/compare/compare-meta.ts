/**
 * Run meta keys that place a run in `gapfill compare`'s table: written by `gapfill eval` from
 * `--label`, `--strategy`, `--budget` (and the student spec), read by the comparison. Kept in a
 * module with no imports so the CLI can name them without loading the store.
 */
export const COMPARE_META_KEYS = {
  label: "compare.label",
  strategy: "compare.strategy",
  budget: "compare.budget",
  student: "compare.student",
  /** The evaluation compared by default (a loop run: its last round's benchmark evaluation). */
  evaluation: "compare.evaluation",
} as const;
