import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { createGaussian, createRandom } from "./random.js";
import { UMAP_LIBRARY, umap } from "./umap.js";

/** `clusters` Gaussian blobs in `cols` dims, centres 10σ apart along distinct axes. */
function blobs(clusters: number, perCluster: number, cols: number, seed = 1) {
  const gaussian = createGaussian(createRandom(seed));
  const rows = clusters * perCluster;
  const data = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = i % clusters;
    for (let c = 0; c < cols; c++) data[i * cols + c] = gaussian() + (c === labels[i] ? 10 : 0);
  }
  return { data, labels, rows, cols };
}

/** Share of points whose nearest other point (in `points`) has the same label. */
function nearestSameLabel(points: Float32Array, labels: Int32Array, dims: number): number {
  const rows = labels.length;
  let same = 0;
  for (let i = 0; i < rows; i++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let j = 0; j < rows; j++) {
      if (j === i) continue;
      let d = 0;
      for (let a = 0; a < dims; a++) d += (points[i * dims + a] - points[j * dims + a]) ** 2;
      if (d < bestDistance) [best, bestDistance] = [j, d];
    }
    if (labels[best] === labels[i]) same++;
  }
  return same / rows;
}

describe("umap", () => {
  it("keeps well-separated clusters apart, deterministically for a seed", async () => {
    const { data, labels, rows, cols } = blobs(3, 100, 16);
    const first = await umap(data, rows, cols, 2, { seed: 4 });
    expect(first.points.length).toBe(rows * 2);
    expect(nearestSameLabel(first.points, labels, 2)).toBe(1);
    // Cluster extents do not overlap: every point is nearer its own centroid than another's.
    const centroids = new Float64Array(6);
    for (let i = 0; i < rows; i++) for (let a = 0; a < 2; a++) centroids[labels[i] * 2 + a] += first.points[i * 2 + a] / 100;
    for (let i = 0; i < rows; i++) {
      const d = (c: number) => (first.points[i * 2] - centroids[c * 2]) ** 2 + (first.points[i * 2 + 1] - centroids[c * 2 + 1]) ** 2;
      for (let c = 0; c < 3; c++) if (c !== labels[i]) expect(d(labels[i])).toBeLessThan(d(c));
    }
    const second = await umap(data, rows, cols, 2, { seed: 4 });
    expect([...second.points]).toEqual([...first.points]);
    const other = await umap(data, rows, cols, 2, { seed: 5 });
    expect([...other.points]).not.toEqual([...first.points]);
  });

  it("maps to 3-D and shrinks the neighbourhood for tiny sets", async () => {
    const { data, labels, rows, cols } = blobs(2, 40, 6, 2);
    const result = await umap(data, rows, cols, 3, { seed: 1 });
    expect(result.points.length).toBe(rows * 3);
    expect(nearestSameLabel(result.points, labels, 3)).toBe(1);
    const tiny = await umap(data.subarray(0, 8 * cols), 8, cols, 2, { seed: 1 });
    expect(tiny.neighbours).toBe(6);
    expect(tiny.points.every(Number.isFinite)).toBe(true);
    await expect(umap(data.subarray(0, 4 * cols), 4, cols, 2)).rejects.toThrow(/at least 5 rows/);
  });

  // The tripwire for an upgrade: the layout tests above hold for the version pinned here, and a
  // map records that version; bumping the pin means rerunning them and updating the label.
  it("runs the umap-js version package.json pins exactly, and says so in every result", async () => {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };
    const pinned = manifest.dependencies["umap-js"];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = (createRequire(import.meta.url)("umap-js/package.json") as { version: string }).version;
    expect(installed).toBe(pinned);
    expect(UMAP_LIBRARY.startsWith(`umap-js ${pinned} `)).toBe(true);
    const { data, rows, cols } = blobs(2, 20, 4, 3);
    expect((await umap(data, rows, cols, 2, { seed: 2, epochs: 20 })).library).toBe(UMAP_LIBRARY);
  });
});
