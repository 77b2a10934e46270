import { describe, expect, it } from "vitest";
import { blobsWithBridge } from "../../geometry/test-data.js";
import { mapDensity } from "./map-density.js";
import { mapQuality, targetCheck } from "./map-quality.js";
import type { MapArtifact } from "./map-artifact.js";

const { points, count } = blobsWithBridge(2);
const density = mapDensity(Float32Array.from(points), count, 2, { grid: [20, 6], pairs: 4, seed: 1 });
const linear = (ratio: number[]): MapArtifact["reducer"] => ({ name: "pca", dims: 2, explainedVarianceRatio: ratio, model: { components: [], cols: 2, k: 2 }, placement: "projection" });
const agreement = (disagreeing: number): NonNullable<MapArtifact["knn"]> => ({
  k: 10,
  method: "exact",
  description: "test",
  agreement: { lowDensityCutoff: 1, sparsePointsLowShare: 0.5, baseline: 0.25, disagreeingCells: Array.from({ length: disagreeing }, (_, cell) => ({ cell, points: 3, lowShare: 0 })) },
});

describe("map quality", () => {
  it("a good map (bridge windows, most variance kept, kNN agreeing) has no warnings", () => {
    const targets = targetCheck(density);
    expect(targets).toEqual({ pairs: 4, insideWindow: 4, inSparseCell: 4 });
    expect(mapQuality({ reducer: linear([0.6, 0.3]), density, knn: agreement(1), targets }).warnings).toEqual([]);
  });

  it("warns about a map that keeps little variance, a grid the kNN density contradicts, and targets off the sparse cells, each with what to try", () => {
    const sparseCells = density.sparse.sparse.reduce((sum, v) => sum + v, 0);
    const targets = { pairs: 4, insideWindow: 1, inSparseCell: 1 };
    const { warnings } = mapQuality({ reducer: linear([0.08, 0.04]), density, knn: agreement(sparseCells), targets });
    expect(warnings.map((w) => w.code)).toEqual(["low-explained-variance", "knn-disagrees", "targets-outside-sparse"]);
    expect(warnings[0].message).toMatch(/keeps 12% of the variance \(under 15%\)/);
    expect(warnings[0].try).toEqual([{ option: "dims", value: 3 }, { option: "reducer", value: "umap" }]);
    expect(warnings[1].try[0]).toEqual({ option: "grid", value: "10x3" });
    expect(warnings[2].message).toMatch(/^3 of 4 seed-pair midpoints fall outside the sparse cells/);
    // Library option names only: the CLI makes them flags.
    for (const warning of warnings) expect(warning.message).not.toContain("--");
  });

  it("a nonlinear map reports where the interpolations were placed, and warns when most miss their window", () => {
    const far = new Float64Array(density.pairs.length * 2).fill(-100);
    const targets = targetCheck(density, far);
    expect(targets.placedInsideWindow).toBe(0);
    const tsne: MapArtifact["reducer"] = { name: "tsne", dims: 2, model: { components: [], cols: 2, k: 2 }, placement: "nearest-neighbours" };
    expect(mapQuality({ reducer: tsne, density, knn: undefined, targets }).warnings.map((w) => w.code)).toEqual(["placed-targets-outside"]);
    const placed = Float64Array.from(density.pairs.flatMap((pair) => pair.midpoint));
    expect(targetCheck(density, placed).placedInsideWindow).toBe(4);
  });
});
