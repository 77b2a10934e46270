import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OptionError } from "../../core/errors.js";
import { openRun } from "../../store/run.js";
import { mapDataset, type MapOptions, type MapResult } from "./map-dataset.js";
import { checkNonlinearRows } from "./reduce-nonlinear.js";

const DATASET = new URL("../../../examples/word-problems.jsonl", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "gapfill-map-dataset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function mapInto(name: string, options: MapOptions): Promise<MapResult> {
  const run = await openRun(join(dir, name), { command: "map" });
  try {
    return await mapDataset(DATASET, run, { knn: 0, pairs: 3, seed: 2, ...options });
  } finally {
    run.close();
  }
}

describe("mapDataset", () => {
  it("svd over the in-memory limit streams the embeddings and draws the same map as in memory", async () => {
    const inMemory = await mapInto("svd-memory", { reducer: "svd" });
    // A 0-byte limit takes the path of embeddings over 1 GiB without writing a gigabyte.
    const streamed = await mapInto("svd-streamed", { reducer: "svd", inMemoryLimitBytes: 0 });
    expect(streamed.points).toHaveLength(inMemory.points.length);
    for (let i = 0; i < inMemory.points.length; i++) expect(streamed.points[i]).toBeCloseTo(inMemory.points[i], 3);
    expect(streamed.artifact.reducer).toMatchObject({ name: "svd", dims: 2, placement: "projection" });
    expect(streamed.artifact.grid.shape).toEqual(inMemory.artifact.grid.shape);
    expect(streamed.artifact.sparseCells).toEqual(inMemory.artifact.sparseCells);
  });

  it("refuses bad option values by their library names", async () => {
    const refused = async (options: MapOptions) => {
      try {
        await mapInto("refused", options);
      } catch (error) {
        if (error instanceof OptionError) return error;
        throw error;
      }
      throw new Error("expected an OptionError");
    };
    expect((await refused({ reducer: "lda" as never })).message).toBe("reducer must be one of pca, svd, umap, tsne, got lda");
    expect((await refused({ pairs: -1 })).option).toBe("pairs");
    expect((await refused({ dims: 4 as never })).option).toBe("dims");
  });

  it("names the reducer option, not a command-line flag, when a set is too big for t-SNE", () => {
    let error: unknown;
    try {
      checkNonlinearRows("tsne", 20_001);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OptionError);
    expect((error as OptionError).message).toBe("reducer tsne is for sets of at most 20,000 rows, this one has 20,001: use reducer pca (linear, streams any size)");
    expect((error as OptionError).relatedOptions).toEqual(["reducer"]);
  });
});
