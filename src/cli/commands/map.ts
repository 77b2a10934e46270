import type { Command } from "commander";
import { vectorsFileText } from "../../ui/map-report-data.js";
import { warningText } from "../../ui/map-warning-text.js";
import { withProgressLog } from "../../store/progress-log.js";
import { UsageError } from "../../core/errors.js";
import type { MapResult } from "../../pipeline/map/map-dataset.js";
import { type CliIo, type OutputFlags, progressFor, writeJson } from "../cli-io.js";
import { formatPairs } from "../format-table.js";
import { addReadOptions, readOptionsFrom, type ReadFlags } from "./read-flags.js";
import { parseChoice, parseInteger, parsePositiveNumber } from "./parse-flags.js";

interface MapFlags extends ReadFlags, OutputFlags {
  student?: string;
  embedding: string;
  embeddings?: string;
  embedderName?: string;
  embeddingColumn?: string;
  embeddingDims?: string;
  dims: string;
  reducer: string;
  grid: string;
  threshold: string;
  window: string;
  pairs: string;
  seed: string;
  knn: string;
  run?: string;
}

export function registerMap(program: Command, io: CliIo): void {
  const command = program
    .command("map")
    .description("Map a dataset in the student's embedding space: sparse windows, seed pairs, map.html and an interactive map-view.html")
    .argument("<dataset>", "a .jsonl, .json, .csv or .parquet file")
    .option("--student <spec>", "student engine (llama:PATH.gguf, openai:MODEL@URL, ollama:MODEL); default: the lexical embedder")
    .option("--embedding <mode>", "pooled | mean | input-uniform | input-idf (student only)", "pooled")
    .option("--embeddings <file>", "vectors made elsewhere, one per dataset row in its order: .npy (float32; float64/float16 converted), .f32 (raw little-endian float32 rows) or .parquet (a list-of-float column)")
    .option("--embedder-name <name>", "whose vectors --embeddings holds (the model that made them), said in every artifact")
    .option("--embedding-column <name>", "the vector column of a .parquet --embeddings file (default: its only list-of-float column)")
    .option("--embedding-dims <n>", "vector length of --embeddings: reads a raw .f32 by it, checks the other formats (default for a raw .f32: one row per dataset row)")
    .option("--dims <k>", "map dimensions: 2 or 3", "2")
    .option("--reducer <name>", "pca (linear: midpoints map to midpoints) | svd | umap (≤ 50,000 rows) | tsne (Barnes–Hut, ≤ 20,000 rows); umap and tsne are nonlinear: midpoints do not map to midpoints", "pca")
    .option("--grid <shape>", "auto, or cells per axis: 40x30 (40x30x10 in 3-D)", "auto")
    .option("--threshold <t>", "auto (from the histogram of cell densities), or a number T", "auto")
    .option("--window <s>", "sliding window of s×s cells (odd; 1 = none)", "1")
    .option("--pairs <n>", "seed pairs to pick, sparsest regions first", "20")
    .option("--knn <k>", "neighbour rank of the kNN density check (0 = off)", "10")
    .option("--seed <n>", "random seed", "0")
    .option("--run <dir>", "run directory (default ./runs/<timestamp-name>)")
    .option("--json", "print a summary as JSON on stdout")
    .option("-q, --quiet", "no progress output");
  addReadOptions(command);
  command.action(async (dataset: string, flags: MapFlags) => {
    const dims = parseChoice(flags.dims, ["2", "3"] as const, "--dims");
    const reducer = parseChoice(flags.reducer, ["pca", "svd", "umap", "tsne"] as const, "--reducer");
    const embedding = parseChoice(flags.embedding, ["pooled", "mean", "input-uniform", "input-idf"] as const, "--embedding");
    const grid = flags.grid === "auto" ? undefined : parseGrid(flags.grid, Number(dims));
    const threshold = flags.threshold === "auto" ? undefined : parsePositiveNumber(flags.threshold, "--threshold");
    const window = parseInteger(flags.window, "--window", 1);
    if (window % 2 === 0) throw new UsageError(`--window must be odd, got ${window}`, "--window");
    const readOptions = readOptionsFrom(flags);
    const embeddingDims = flags.embeddingDims === undefined ? undefined : parseInteger(flags.embeddingDims, "--embedding-dims", 1);
    // With --embeddings the student embeds nothing here: an --embedding left at its default is not a choice.
    const embeddingChosen = command.getOptionValueSource("embedding") !== "default";

    const [{ mapDataset }, { openRun, defaultRunDir }, { atomicWriteFile }, { renderMapReport }, { mapReportData }] = await Promise.all([
      import("../../pipeline/map/map-dataset.js"),
      import("../../store/index.js"),
      import("../../store/atomic-write.js"),
      import("../../ui/map-report.js"),
      import("../../ui/map-report-data.js"),
    ]);
    const renderer = await progressFor(io, flags);
    const run = await openRun(flags.run ?? defaultRunDir(), { command: "map", argv: process.argv.slice(2), onNotice: (m) => io.stderr.write(`gapfill: ${m}\n`) });
    // Progress also goes to the run's event log, where `gapfill ui` follows it live.
    const onEvent = withProgressLog(run, renderer);
    let student;
    try {
      if (flags.student && flags.embeddings !== undefined) {
        onEvent({ type: "notice", stage: "embed", message: `--student ${flags.student} is not used: the map is made from the vectors in ${flags.embeddings}` });
      } else if (flags.student) {
        const { createEngine } = await import("../../engines/create-engine.js");
        const { RequestCache } = await import("../../engines/request-cache.js");
        student = await createEngine(flags.student, { cache: new RequestCache(run.db), onEvent, option: "student" });
      }
      const result = await mapDataset(dataset, run, {
        ...readOptions,
        student,
        embedding: flags.embeddings !== undefined && !embeddingChosen ? undefined : embedding,
        embeddings: flags.embeddings,
        embedderName: flags.embedderName,
        embeddingColumn: flags.embeddingColumn,
        embeddingDims,
        dims: Number(dims) as 2 | 3,
        reducer,
        grid,
        threshold,
        window,
        pairs: parseInteger(flags.pairs, "--pairs", 0),
        knn: parseInteger(flags.knn, "--knn", 0),
        seed: parseInteger(flags.seed, "--seed", 0),
        onEvent,
      });
      const [{ runPagePath, writeRunIndex }, { renderMapView }] = await Promise.all([import("../../ui/run-pages.js"), import("../../ui/map-view/render-map-view.js")]);
      const reportPath = runPagePath(run.dir, "map.html");
      await atomicWriteFile(reportPath, renderMapReport(mapReportData(result)));
      await atomicWriteFile(runPagePath(run.dir, "map-view.html"), await renderMapView(run.dir, { map: result.artifact, examples: result.examples }));
      await writeRunIndex(run.dir);
      renderer.close();
      const summary = mapSummary(result, run.dir, reportPath);
      if (flags.json) writeJson(io, summary);
      else io.stdout.write(formatMapSummary(summary));
    } finally {
      renderer.close();
      await student?.close();
      run.close();
    }
  });
}

function parseGrid(text: string, dims: number): number[] {
  const parts = text.toLowerCase().split("x");
  const shape = parts.map((part) => Number(part));
  if (parts.length !== dims || !shape.every((n) => Number.isInteger(n) && n >= 1)) {
    throw new UsageError(`--grid must be "auto" or ${dims} positive integers joined by x (e.g. ${dims === 2 ? "40x30" : "20x20x10"}), got "${text}"`, "--grid");
  }
  return shape;
}

export function mapSummary(result: MapResult, runDir: string, reportPath: string) {
  const { artifact } = result;
  return {
    run: runDir,
    report: reportPath,
    rows: artifact.rows,
    embedder: artifact.embedder,
    reducer: artifact.reducer.name,
    dims: artifact.reducer.dims,
    explainedVarianceRatio: artifact.reducer.explainedVarianceRatio,
    reducerNote: artifact.reducer.note,
    grid: artifact.grid.shape,
    gridRule: artifact.grid.sizeRule,
    threshold: artifact.threshold.value,
    thresholdRule: artifact.threshold.rule,
    nonEmptyCells: artifact.grid.counts.filter((count) => count > 0).length,
    sparseCells: artifact.sparseCells.length,
    regions: artifact.regions.length,
    pairs: artifact.pairs.map((pair) => ({ region: pair.region, seeds: pair.seeds.map((seed) => seed.id), midpoint: pair.midpoint })),
    targets: artifact.quality.targets,
    warnings: artifact.quality.warnings.map((warning) => ({ code: warning.code, message: warningText(warning) })),
    knn: artifact.knn && { k: artifact.knn.k, method: artifact.knn.method, sparsePointsLowShare: artifact.knn.agreement.sparsePointsLowShare, disagreeingCells: artifact.knn.agreement.disagreeingCells.length },
    seconds: result.seconds,
  };
}

function formatMapSummary(summary: ReturnType<typeof mapSummary>): string {
  const pairs: Array<[string, string]> = [
    ["run", summary.run],
    ["rows", String(summary.rows)],
    ["embedder", summary.embedder.label + (summary.embedder.truncated ? `; ${summary.embedder.truncated} texts longer than its context were embedded from their first tokens` : "")],
    ...(summary.embedder.file ? [["vectors", vectorsFileText(summary.embedder.file)] as [string, string]] : []),
    ["map", `${summary.reducer} → ${summary.dims}-D, grid ${summary.grid.join("×")} (${summary.gridRule})`],
    ["threshold T", `${summary.threshold} (${summary.thresholdRule})`],
    ["cells", `${summary.nonEmptyCells} non-empty, ${summary.sparseCells} sparse in ${summary.regions} regions`],
    ["seed pairs", String(summary.pairs.length)],
  ];
  if (summary.reducerNote) pairs.push(["note", summary.reducerNote]);
  pairs.push(["targets", `${summary.targets.insideWindow} of ${summary.targets.pairs} midpoints inside their window, ${summary.targets.inSparseCell} in a sparse cell`]);
  for (const warning of summary.warnings) pairs.push(["warning", warning.message]);
  if (summary.knn) pairs.push(["kNN check", `${(100 * summary.knn.sparsePointsLowShare).toFixed(0)}% of sparse-cell points have low ${summary.knn.k}-NN density; ${summary.knn.disagreeingCells} cells disagree`]);
  pairs.push(["report", summary.report]);
  const total = Object.values(summary.seconds).reduce((a, b) => a + b, 0);
  return formatPairs(pairs) + `(${total.toFixed(1)} s: ${Object.entries(summary.seconds).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")})\n`;
}
