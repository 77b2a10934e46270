import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openRun } from "../../store/index.js";
import { placeOnMap } from "./place-on-map.js";
import { mapDataset } from "./map-dataset.js";

const DATASET = new URL("../../../examples/word-problems.jsonl", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "gapfill-place-nonlinear-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("placement on a nonlinear map", () => {
  it("puts training questions next to their own t-SNE points (nearest neighbours, not a projection)", async () => {
    const mapDir = join(dir, "tsne");
    const run = await openRun(mapDir, { command: "map" });
    const result = await (async () => {
      try {
        return await mapDataset(DATASET, run, { reducer: "tsne", knn: 0, pairs: 2, seed: 3 });
      } finally {
        run.close();
      }
    })();
    const indices = Array.from({ length: 40 }, (_, i) => i * 10);
    const placement = await placeOnMap(mapDir, indices.map((i) => result.examples[i].question), { embeddingsPath: join(dir, "unused.f32") });
    expect(placement.method).toMatch(/mean TSNE position of the 5 nearest training embeddings/);
    const { min, max } = result.artifact.grid;
    const extent = Math.hypot(max[0] - min[0], max[1] - min[1]);
    // "Next to": within 5% of the map diagonal.
    let near = 0;
    indices.forEach((index, i) => {
      const distance = Math.hypot(placement.points[i * 2] - result.points[index * 2], placement.points[i * 2 + 1] - result.points[index * 2 + 1]);
      if (distance < 0.05 * extent) near++;
    });
    expect(near / indices.length).toBeGreaterThan(0.8);
  });
});
