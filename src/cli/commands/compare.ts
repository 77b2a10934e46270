import type { Command } from "commander";
import type { Comparison } from "../../pipeline/compare/compare-runs.js";
import { type CliIo, writeJson } from "../cli-io.js";
import { formatTable } from "../format-table.js";

interface CompareFlags {
  evaluation?: string;
  html?: string;
  json?: boolean;
}

export function registerCompare(program: Command, io: CliIo): void {
  program
    .command("compare")
    .description("Compare evaluated runs as a table like the paper's Table 1, with McNemar tests between runs on the same items")
    .argument("<runs...>", "run directories evaluated with `gapfill eval`")
    .option("--evaluation <name>", "which evaluation of each run (default: eval, or the run's first)")
    .option("--html <file>", "also write a self-contained page with the table and a chart")
    .option("--json", "print the comparison as JSON on stdout")
    .action(async (dirs: string[], flags: CompareFlags) => {
      const [{ loadComparedRun, compareRuns }, { atomicWriteFile }] = await Promise.all([import("../../pipeline/compare/compare-runs.js"), import("../../store/atomic-write.js")]);
      const runs = [];
      for (const dir of dirs) runs.push(await loadComparedRun(dir, flags.evaluation));
      const comparison = compareRuns(runs);
      if (flags.html) {
        const [{ renderCompareReport }, { compareReportData }] = await Promise.all([import("../../ui/compare-report.js"), import("../../ui/compare-report-data.js")]);
        await atomicWriteFile(flags.html, renderCompareReport(compareReportData(comparison)));
      }
      if (flags.json) writeJson(io, comparisonJson(comparison));
      else io.stdout.write(formatComparison(comparison) + (flags.html ? `page: ${flags.html}\n` : ""));
    });
}

const percent = (value: number) => (Number.isNaN(value) ? "–" : (100 * value).toFixed(1));

export function comparisonJson(comparison: Comparison) {
  return {
    runs: comparison.runs.map((run) => ({
      dir: run.dir,
      label: run.label,
      strategy: run.strategy,
      budget: run.budget,
      student: run.student,
      evaluation: run.evaluation,
      benchmark: run.benchmark,
      items: run.accuracy.n,
      correct: run.accuracy.successes,
      accuracy: run.accuracy.estimate,
      interval95: [run.accuracy.lower, run.accuracy.upper],
    })),
    table: {
      rows: comparison.rows,
      columns: comparison.columns.map((column) => column.key),
      cells: comparison.cells.map((row) => row.map((index) => (index === null ? null : { run: comparison.runs[index].dir, accuracy: comparison.runs[index].accuracy.estimate }))),
    },
    pairs: comparison.pairs.map((pair) => ({
      first: comparison.runs[pair.first].dir,
      second: comparison.runs[pair.second].dir,
      sharedItems: pair.sharedItems,
      difference: pair.difference,
      ...pair.mcnemar,
    })),
    unpaired: comparison.unpaired.map((pair) => [comparison.runs[pair.first].dir, comparison.runs[pair.second].dir]),
  };
}

function formatComparison(comparison: Comparison): string {
  const cell = (index: number | null) => {
    if (index === null) return "–";
    const { accuracy } = comparison.runs[index];
    return `${percent(accuracy.estimate)} (${percent(accuracy.lower)}–${percent(accuracy.upper)})`;
  };
  let text = "accuracy % (95% Wilson interval); columns: strategy@budget, base = not trained on generated data\n\n";
  text += formatTable(["student", ...comparison.columns.map((column) => column.key)], comparison.rows.map((row, r) => [row, ...comparison.cells[r].map(cell)]));
  if (comparison.pairs.length > 0) {
    text += "\npaired tests (McNemar exact, on the items both runs judged)\n\n";
    text += formatTable(
      ["run A", "run B", "shared", "A − B", "only A", "only B", "p"],
      comparison.pairs.map((pair) => [
        comparison.runs[pair.first].dir,
        comparison.runs[pair.second].dir,
        pair.sharedItems,
        `${pair.difference >= 0 ? "+" : ""}${(100 * pair.difference).toFixed(1)}`,
        pair.mcnemar.onlyFirst,
        pair.mcnemar.onlySecond,
        pair.mcnemar.exactP < 1e-4 ? pair.mcnemar.exactP.toExponential(1) : pair.mcnemar.exactP.toFixed(4),
      ]),
    );
  }
  for (const pair of comparison.unpaired) text += `not paired (no item in common): ${comparison.runs[pair.first].dir} and ${comparison.runs[pair.second].dir}\n`;
  return text;
}
