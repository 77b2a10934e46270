import { describe, expect, it } from "vitest";
import { midpoint, normalizeWeights, paddedWeightedAverage, uniformWeights, weightedPool } from "./interpolate.js";
import { pca, projectPca } from "./pca.js";
import { createGaussian, createRandom } from "./random.js";

function randomSequence(rows: number, cols: number, seed: number) {
  const gaussian = createGaussian(createRandom(seed));
  return { data: Float32Array.from({ length: rows * cols }, () => gaussian()), rows, cols };
}

describe("interpolation", () => {
  it("midpoint of two points", () => {
    expect(Array.from(midpoint([0, 2, 4], [2, 2, 0]))).toEqual([1, 2, 2]);
    expect(() => midpoint([1], [1, 2])).toThrow(/1 and 2/);
  });

  it("pads the shorter sequence with zeros and averages the weighted rows", () => {
    const a = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 };
    const b = { data: Float32Array.from([10, 20]), rows: 1, cols: 2 };
    const avg = paddedWeightedAverage(a, b, { weightsA: [1, 0.5, 2], weightsB: [1] });
    expect(avg.rows).toBe(3);
    expect(Array.from(avg.data)).toEqual([5.5, 11, 0.75, 1, 5, 6]);
    const padded = paddedWeightedAverage(a, b, { weightsA: [1, 1, 1], weightsB: [1], padRow: [2, 2] });
    expect(Array.from(padded.data)).toEqual([5.5, 11, 2.5, 3, 3.5, 4]);
  });

  it("eq. 5: pooling the average with unit weights gives the midpoint of the pooled seeds, also after PCA", () => {
    const hidden = 16;
    const a = randomSequence(7, hidden, 1);
    const b = randomSequence(4, hidden, 2);
    const weightsA = normalizeWeights([1, 3, 2, 1, 1, 5, 1]);
    const weightsB = uniformWeights(4);
    const avg = paddedWeightedAverage(a, b, { weightsA, weightsB });
    const pooledAverage = weightedPool(avg, new Float64Array(avg.rows).fill(1));
    const expected = midpoint(weightedPool(a, weightsA), weightedPool(b, weightsB));
    for (let c = 0; c < hidden; c++) expect(pooledAverage[c]).toBeCloseTo(expected[c], 5);
    // Through a linear reduction the interpolated point lands on the midpoint of the two seeds.
    const cloud = randomSequence(200, hidden, 3);
    const model = pca(cloud.data, cloud.rows, hidden, 2);
    const seeds = new Float32Array(2 * hidden);
    seeds.set(weightedPool(a, weightsA), 0);
    seeds.set(weightedPool(b, weightsB), hidden);
    const projectedSeeds = projectPca(model, seeds, 2, hidden);
    const projectedAverage = projectPca(model, Float32Array.from(pooledAverage), 1, hidden);
    for (let t = 0; t < 2; t++) expect(projectedAverage[t]).toBeCloseTo((projectedSeeds[t] + projectedSeeds[2 + t]) / 2, 5);
  });

  it("rejects mismatched shapes and weights", () => {
    const a = randomSequence(2, 3, 1);
    expect(() => paddedWeightedAverage(a, randomSequence(2, 4, 2))).toThrow(/hidden sizes 3 and 4/);
    expect(() => paddedWeightedAverage(a, a, { weightsA: [1] })).toThrow(/2 tokens but 1 weights/);
    expect(() => normalizeWeights([1, -1])).toThrow(/non-negative/);
  });
});
