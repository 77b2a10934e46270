import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silent } from "../../core/events.js";
import { plantedDirection } from "../../geometry/test-data.js";
import { writeFloat32Matrix } from "../../store/float32-matrix.js";
import { openEmbeddingSource } from "./embedding-source.js";
import { reduceEmbeddings } from "./reduce-embeddings.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-reduce-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = 300;
const cols = 40;
const { data } = plantedDirection(rows, cols, { seed: 5, offset: 0.3 });
const file = join(dir, "embeddings.f32");
await writeFloat32Matrix(file, { data, rows, cols });

describe("openEmbeddingSource", () => {
  it("loads a matrix within the limit and streams one over it, in blocks that cover every row", async () => {
    const loaded = await openEmbeddingSource(file);
    expect(loaded.inMemory).toEqual(data);
    const streamed = await openEmbeddingSource(file, { inMemoryLimitBytes: 0, blockRows: 64 });
    expect(streamed.inMemory).toBeUndefined();
    const blocks: number[] = [];
    const gathered = new Float32Array(rows * cols);
    for await (const block of streamed.blocks()) {
      gathered.set(block.data.subarray(0, block.rows * cols), blocks.reduce((a, b) => a + b, 0) * cols);
      blocks.push(block.rows);
    }
    expect(blocks).toEqual([64, 64, 64, 64, 44]);
    expect(gathered).toEqual(data);
  });
});

describe("reduceEmbeddings", () => {
  for (const reducer of ["pca", "svd"] as const) {
    it(`${reducer}: streamed over the in-memory limit gives the in-memory map`, async () => {
      const inMemory = await reduceEmbeddings(await openEmbeddingSource(file), { reducer, dims: 2, seed: 1, onEvent: silent });
      const streamed = await reduceEmbeddings(await openEmbeddingSource(file, { inMemoryLimitBytes: 0, blockRows: 64 }), { reducer, dims: 2, seed: 1, onEvent: silent });
      expect(streamed.points).toHaveLength(rows * 2);
      for (let i = 0; i < rows * 2; i++) expect(streamed.points[i]).toBeCloseTo(inMemory.points[i], 3);
      expect(streamed.describe.placement).toBe("projection");
      expect(streamed.describe.model.components).toHaveLength(2 * cols);
      expect(streamed.describe.model.mean === undefined).toBe(reducer === "svd");
    });

    it(`${reducer}: linear, so the midpoint of two embeddings lands on the midpoint of their points (§3.5)`, async () => {
      const reduced = await reduceEmbeddings(await openEmbeddingSource(file), { reducer, dims: 2, seed: 1, onEvent: silent });
      const { components, cols: width, mean } = reduced.describe.model;
      const [a, b] = [3, 250];
      for (let t = 0; t < 2; t++) {
        let projected = 0;
        for (let c = 0; c < width; c++) projected += ((data[a * cols + c] + data[b * cols + c]) / 2 - (mean ? mean[c] : 0)) * components[t * width + c];
        expect(projected).toBeCloseTo((reduced.points[a * 2 + t] + reduced.points[b * 2 + t]) / 2, 3);
      }
    });
  }
});
