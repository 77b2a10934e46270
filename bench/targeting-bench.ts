/**
 * Targeting that the geometry alone decides (§3.3–§3.5): a test teacher writes each new question
 * by splicing the sentences of its two seeds (the first half of one's, the second half of the
 * other's), standing in for a teacher that follows the prompt. Each spliced question is placed on
 * the map the way the targeting check places generated examples; the figures are the share that
 * lands in or next to the target window (its cells or one cell around them).
 * - embed: the map's seed pairs, each aimed at its window;
 * - random: two random seeds per example, scored against the same windows as embed's examples of
 *   the same index (the budget aimed at the same places, seeds chosen blind), and, as a looser
 *   figure, against any of those windows.
 * Maps: GSM8K train with the lexical embedder, and a 1,500-question GSM8K slice embedded by
 * stories260K (input-layer token rows, uniform weights; threads: 1). Targets: embed ≥ 3× random,
 * and ≥ 90% of the midpoints inside their sparse window. Returns figures, prints nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../src/core/engine.js";
import { createLlamaEngine } from "../src/engines/llama/llama-engine.js";
import { createRandom, randomInt } from "../src/geometry/random.js";
import type { MapWindow } from "../src/pipeline/map/map-artifact.js";
import { mapDataset } from "../src/pipeline/map/map-dataset.js";
import { placeOnMap } from "../src/pipeline/map/place-on-map.js";
import { openRun } from "../src/store/run.js";
import { sharedDataPath } from "../test/support/shared-data.js";

/** `npm run bench` runs from the repository root; compiled into dist/, the test helpers' own root would be dist/. */
const ROOT = process.cwd();

const PAIRS = 40;

/** Both maps; each gives embed's and random's hit shares and the midpoints' inside share. */
export async function benchTargeting(): Promise<{ name: string; figures: Record<string, number> }[]> {
  const dir = mkdtempSync(join(tmpdir(), "gapfill-targeting-bench-"));
  try {
    const lexical = await benchOneMap(dir, "lexical", sharedDataPath("gsm8k-train", { root: ROOT }));
    const slice = join(dir, "gsm8k-1500.jsonl");
    writeFileSync(slice, readFileSync(sharedDataPath("gsm8k-train", { root: ROOT }), "utf8").split("\n").filter((line) => line.trim() !== "").slice(0, 1500).join("\n") + "\n");
    const student = await createLlamaEngine(sharedDataPath("stories260K", { root: ROOT }), { threads: 1 });
    try {
      return [lexical, await benchOneMap(dir, "stories260K", slice, student)];
    } finally {
      await student.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchOneMap(dir: string, name: string, dataset: string, student?: Engine): Promise<{ name: string; figures: Record<string, number> }> {
  const mapDir = join(dir, name);
  const run = await openRun(mapDir, { command: "map" });
  const started = performance.now();
  const result = await (async () => {
    try {
      return await mapDataset(dataset, run, { student, embedding: student ? "input-uniform" : undefined, pairs: PAIRS, knn: 0, seed: 1 });
    } finally {
      run.close();
    }
  })();
  const mapSeconds = (performance.now() - started) / 1000;
  const { artifact, examples } = result;
  const windows = artifact.windows;
  const embedQuestions = artifact.pairs.map((pair) => splice(pair.seeds[0].question, pair.seeds[1].question));
  const random = createRandom(7);
  const randomQuestions = artifact.pairs.map(() => splice(examples[randomInt(random, examples.length)].question, examples[randomInt(random, examples.length)].question));
  const place = async (questions: string[], file: string) => (await placeOnMap(mapDir, questions, { student, embeddingsPath: join(dir, `${name}-${file}.f32`) })).points;
  const dims = artifact.reducer.dims;
  const [embedPoints, randomPoints] = [await place(embedQuestions, "embed"), await place(randomQuestions, "random")];
  const near = (window: MapWindow, points: Float64Array, i: number) =>
    window.min.every((lo, d) => {
      const v = points[i * dims + d];
      return v >= lo - artifact.grid.cellSize[d] && v <= window.max[d] + artifact.grid.cellSize[d];
    });
  const embedHits = artifact.pairs.filter((pair, i) => near(windows[pair.window], embedPoints, i)).length;
  const randomHits = artifact.pairs.filter((pair, i) => near(windows[pair.window], randomPoints, i)).length;
  const randomAnyHits = artifact.pairs.filter((_, i) => windows.some((window) => near(window, randomPoints, i))).length;
  const pairs = artifact.pairs.length;
  const embedShare = embedHits / Math.max(1, pairs);
  const randomShare = randomHits / Math.max(1, pairs);
  return {
    name: `targeting on ${name} (${artifact.rows} rows, ${artifact.reducer.name}, grid ${artifact.grid.shape.join("x")}, ${artifact.quality.warnings.length} map warnings)`,
    figures: {
      pairs,
      midpoints_inside_window: artifact.quality.targets.insideWindow / Math.max(1, pairs),
      midpoints_in_sparse_cell: artifact.quality.targets.inSparseCell / Math.max(1, pairs),
      embed_in_or_next_to_window: embedShare,
      random_in_or_next_to_window: randomShare,
      random_in_or_next_to_any_window: randomAnyHits / Math.max(1, pairs),
      // Random hitting none at all would divide by zero: one hit is assumed, so the ratio understates embed.
      embed_over_random: embedShare / Math.max(randomShare, 1 / Math.max(1, pairs)),
      map_s: mapSeconds,
    },
  };
}

/** The test teacher: the first half of `a`'s sentences, then the second half of `b`'s. */
export function splice(a: string, b: string): string {
  const sentences = (text: string) => text.replace(/\s+/g, " ").match(/[^.!?]+[.!?]*/g)?.map((s) => s.trim()).filter(Boolean) ?? [text];
  const [sa, sb] = [sentences(a), sentences(b)];
  return [...sa.slice(0, Math.ceil(sa.length / 2)), ...sb.slice(Math.ceil(sb.length / 2))].join(" ");
}
