import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPOSITORY_ROOT } from "../support/repository-root.js";
import { writeGenerateSummary } from "../../src/pipeline/generate/generate-summary-file.js";
import type { GenerateResult } from "../../src/pipeline/generate/generate-summary.js";
import { mapDataset, type MapResult } from "../../src/pipeline/map/map-dataset.js";
import { openRun } from "../../src/store/index.js";

/** Text a dataset might hold that would run if a page put it in as HTML. */
export const HOSTILE = `<img src=x onerror="window.__pwned=1;document.title='pwned'"><script>window.__pwned=1</script> trains`;

/** A mapped run for the map view's tests: the word problems (plus hostile rows), two generated examples. */
export interface MapViewFixture {
  runDir: string;
  datasetPath: string;
  map: MapResult;
  /** Dataset rows as written: question, answer, topic. */
  rows: Array<{ question: string; answer: string; topic: string }>;
  /** The generated examples' ids, in file order, and the pair they were written from. */
  generated: Array<{ id: string; seeds: [number, number]; window: number }>;
}

/**
 * Maps examples/word-problems.jsonl (with three hostile rows and a `topic` column) into
 * `<root>/<name>` with the lexical embedder, and adds two embed-style generated examples placed
 * at their pairs' midpoints, with seeds, window and a (hostile) decoded partial.
 */
export async function buildMapViewRun(root: string, name = "mapped"): Promise<MapViewFixture> {
  const source = readFileSync(join(REPOSITORY_ROOT, "examples", "word-problems.jsonl"), "utf8").split("\n").filter((line) => line.trim() !== "");
  const rows = source.map((line) => JSON.parse(line) as { question: string; answer: string }).map((row) => ({ ...row, topic: topicOf(row.question) }));
  for (let i = 0; i < 3; i++) rows.push({ question: `${HOSTILE} number ${i}: how many miles?`, answer: `It is ${i}.\n#### ${i}`, topic: "<b>hostile</b>" });
  const datasetPath = join(root, `${name}-dataset.jsonl`);
  writeFileSync(datasetPath, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
  const runDir = join(root, name);
  const run = await openRun(runDir, { command: "map", onNotice: () => undefined });
  let map: MapResult;
  try {
    map = await mapDataset(datasetPath, run, { pairs: 6 });
  } finally {
    run.close();
  }
  const generated = map.artifact.pairs.slice(0, 2).map((pair, i) => ({ id: `gen-${i}`, seeds: [pair.seeds[0].index, pair.seeds[1].index] as [number, number], window: pair.window, pair }));
  writeFileSync(
    join(runDir, "synthetic.jsonl"),
    generated
      .map(({ id, pair }) =>
        JSON.stringify({
          id,
          question: `Generated question ${id} between two seeds`,
          answer: "Worked.\n#### 7",
          strategy: "embed",
          source: "embed",
          seed_ids: pair.seeds.map((seed) => seed.id),
          region: pair.region,
          cell: null,
          window: pair.window,
          midpoint: pair.midpoint,
          decoded_partial: `partial ${HOSTILE}`,
        }),
      )
      .join("\n") + "\n",
  );
  const summary = {
    strategy: "embed",
    budget: 2,
    accepted: 2,
    attempts: 2,
    rejected: {},
    stopped: "budget",
    teacher: { spec: "openai:test@http://127.0.0.1:1", model: "test", requests: 2, cached: 0, promptTokens: 10, completionTokens: 10 },
    decode: { requested: true, used: true },
    decontamination: null,
    syntheticPath: join(runDir, "synthetic.jsonl"),
    targeting: {
      method: "test placement",
      placed: 2,
      targetHitRate: 1,
      sparseHitRate: 1,
      datasetSparseShare: 0.1,
      sparseCells: { cells: 1, pointsBefore: 1, pointsAdded: 2, risePercent: 200, liftedToT: 0 },
      points: generated.map(({ id, pair }) => ({ id, x: pair.midpoint[0], y: pair.midpoint[1], cell: 0, nearSparse: true })),
      notes: [],
    },
    seconds: 1,
    dataset: datasetPath,
    embedder: "lexical",
  } as unknown as GenerateResult;
  await writeGenerateSummary(runDir, summary);
  return { runDir, datasetPath, map, rows, generated: generated.map(({ id, seeds, window }) => ({ id, seeds, window })) };
}

function topicOf(question: string): string {
  for (const topic of ["train", "card", "apple", "book", "money"]) if (question.toLowerCase().includes(topic)) return topic;
  return "other";
}
