import { describe, expect, it } from "vitest";
import { createGaussian, createRandom } from "./random.js";
import { tsne } from "./tsne.js";
import { conditionalAffinities, symmetrize } from "./tsne-affinities.js";
import { exactNeighbours } from "./tsne-neighbours.js";
import { buildSpaceTree, repulsiveForces, treeStackSize } from "./tsne-tree.js";

/** `clusters` isotropic Gaussian blobs in `cols` dims, centres 10σ apart along distinct axes. */
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

function nearestOthers(points: ArrayLike<number>, rows: number, dims: number, k: number): Int32Array[] {
  const lists: Int32Array[] = [];
  for (let i = 0; i < rows; i++) {
    const order = Array.from({ length: rows }, (_, j) => j).filter((j) => j !== i);
    const d = (j: number) => {
      let s = 0;
      for (let a = 0; a < dims; a++) s += (points[i * dims + a] - points[j * dims + a]) ** 2;
      return s;
    };
    const distances = new Map(order.map((j) => [j, d(j)]));
    order.sort((a, b) => distances.get(a)! - distances.get(b)!);
    lists.push(Int32Array.from(order.slice(0, k)));
  }
  return lists;
}

describe("exactNeighbours", () => {
  it("matches a sort of all distances", () => {
    const { data, rows, cols } = blobs(2, 30, 7);
    const found = exactNeighbours(data, rows, cols, 5);
    const expected = nearestOthers(data, rows, cols, 5);
    for (let i = 0; i < rows; i++) expect([...found.indices.subarray(i * 5, i * 5 + 5)]).toEqual([...expected[i]]);
    expect(() => exactNeighbours(data, rows, cols, rows)).toThrow(/60 nearest neighbours needs at least 61 rows, got 60/);
  });
});

describe("t-SNE affinities", () => {
  it("reaches the perplexity in every row and symmetrises to a distribution", () => {
    const { data, rows, cols } = blobs(3, 40, 10);
    const neighbours = exactNeighbours(data, rows, cols, 30);
    const conditional = conditionalAffinities(neighbours, rows, 10);
    for (let i = 0; i < rows; i++) {
      let entropy = 0;
      let sum = 0;
      for (let n = 0; n < 30; n++) {
        const p = conditional[i * 30 + n];
        sum += p;
        if (p > 0) entropy -= p * Math.log(p);
      }
      expect(sum).toBeCloseTo(1, 9);
      expect(Math.exp(entropy)).toBeCloseTo(10, 3);
    }
    const joint = symmetrize(neighbours, conditional, rows);
    const total = joint.values.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 9);
    // P is symmetric: look every entry up in its transposed row.
    for (let i = 0; i < rows; i++) {
      for (let e = joint.rowStart[i]; e < joint.rowStart[i + 1]; e++) {
        const j = joint.columns[e];
        let back = -1;
        for (let f = joint.rowStart[j]; f < joint.rowStart[j + 1]; f++) if (joint.columns[f] === i) back = joint.values[f];
        expect(back).toBeCloseTo(joint.values[e], 12);
      }
    }
  });
});

describe("Barnes–Hut tree", () => {
  for (const dims of [2, 3] as const) {
    it(`gives exact repulsion at θ = 0 and close repulsion at θ = 0.5 (${dims}-D)`, () => {
      const rows = 300;
      const gaussian = createGaussian(createRandom(7));
      const y = Float64Array.from({ length: rows * dims }, () => 3 * gaussian());
      y.set(y.subarray(0, dims), dims); // a duplicate point must not break the tree
      const exactForce = new Float64Array(rows * dims);
      let exactZ = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < rows; j++) {
          if (i === j) continue;
          let d = 0;
          for (let a = 0; a < dims; a++) d += (y[i * dims + a] - y[j * dims + a]) ** 2;
          const q = 1 / (1 + d);
          exactZ += q;
          for (let a = 0; a < dims; a++) exactForce[i * dims + a] += q * q * (y[i * dims + a] - y[j * dims + a]);
        }
      }
      const tree = buildSpaceTree(y, rows, dims);
      expect(tree.count[0]).toBe(rows);
      const stack = new Int32Array(treeStackSize(dims));
      for (const [theta, tolerance] of [[0, 1e-9], [0.5, 0.05]] as const) {
        const force = new Float64Array(rows * dims);
        let z = 0;
        for (let i = 0; i < rows; i++) z += repulsiveForces(tree, y, i, theta, force, stack);
        expect(Math.abs(z - exactZ) / exactZ).toBeLessThan(tolerance);
        let error = 0;
        let norm = 0;
        for (let e = 0; e < force.length; e++) {
          error += (force[e] - exactForce[e]) ** 2;
          norm += exactForce[e] ** 2;
        }
        expect(Math.sqrt(error / norm)).toBeLessThan(tolerance);
      }
    });
  }
});

describe("tsne", () => {
  it("keeps well-separated Gaussian clusters apart and preserves neighbourhoods", () => {
    const { data, labels, rows, cols } = blobs(4, 100, 20);
    const result = tsne(data, rows, cols, 2, { seed: 3 });
    expect(result.points.length).toBe(rows * 2);
    expect(result.points.every(Number.isFinite)).toBe(true);
    // Every point's nearest output neighbour comes from its own cluster.
    const nearest = nearestOthers(result.points, rows, 2, 10);
    let sameCluster = 0;
    for (let i = 0; i < rows; i++) if (labels[nearest[i][0]] === labels[i]) sameCluster++;
    expect(sameCluster).toBe(rows);
    // Clusters do not overlap: each point is nearer its own centroid than any other.
    const centroids = new Float64Array(4 * 2);
    for (let i = 0; i < rows; i++) for (let a = 0; a < 2; a++) centroids[labels[i] * 2 + a] += result.points[i * 2 + a] / 100;
    for (let i = 0; i < rows; i++) {
      const d = (c: number) => (result.points[i * 2] - centroids[c * 2]) ** 2 + (result.points[i * 2 + 1] - centroids[c * 2 + 1]) ** 2;
      for (let c = 0; c < 4; c++) if (c !== labels[i]) expect(d(labels[i])).toBeLessThan(d(c));
    }
    // 10-NN preservation: share of input neighbours that stay output neighbours.
    const inputNearest = nearestOthers(data, rows, cols, 10);
    let kept = 0;
    for (let i = 0; i < rows; i++) {
      const output = new Set(nearest[i]);
      for (const j of inputNearest[i]) if (output.has(j)) kept++;
    }
    expect(kept / (rows * 10)).toBeGreaterThan(0.25);
    expect(result.klDivergence).toBeGreaterThan(0);
    expect(result.klDivergence).toBeLessThan(3);
  });

  it("is deterministic for a seed and works in 3-D", () => {
    const { data, labels, rows, cols } = blobs(3, 40, 8, 5);
    const first = tsne(data, rows, cols, 3, { seed: 9 });
    const second = tsne(data, rows, cols, 3, { seed: 9 });
    expect([...second.points]).toEqual([...first.points]);
    const nearest = nearestOthers(first.points, rows, 3, 1);
    for (let i = 0; i < rows; i++) expect(labels[nearest[i][0]]).toBe(labels[i]);
  });

  it("lowers the perplexity for tiny sets and rejects what it cannot do", () => {
    const { data, rows, cols } = blobs(2, 10, 4);
    expect(tsne(data, rows, cols, 2, { iterations: 100 }).perplexity).toBeCloseTo(19 / 3, 9);
    expect(() => tsne(data.subarray(0, 12), 3, cols, 2)).toThrow(/at least 4 rows/);
    expect(() => tsne(data, rows, cols, 4 as 2)).toThrow(/2 or 3/);
  });
});
