/**
 * Barnes–Hut t-SNE (van der Maaten 2014) to 2-D or 3-D, written here because no usable
 * JavaScript t-SNE exists (tsne-js is exact O(N²)). Steps: exact kNN on 3·perplexity
 * neighbours, per-point bandwidths by binary search on the perplexity, symmetric sparse P,
 * PCA initialisation scaled to a tiny spread, early exaggeration, gradient descent with
 * momentum and per-coordinate gains, repulsion through a quadtree/octree with angle θ.
 * Deterministic: the only randomness is the seeded PCA (or seeded random) initialisation.
 */
import { pca, projectPca } from "./pca.js";
import { checkShape } from "./matrix.js";
import { createGaussian, createRandom } from "./random.js";
import { conditionalAffinities, type SparseAffinities, symmetrize } from "./tsne-affinities.js";
import { exactNeighbours } from "./tsne-neighbours.js";
import { buildSpaceTree, repulsiveForces, treeStackSize } from "./tsne-tree.js";
import { OptionError, TooFewRowsError } from "../core/errors.js";

/** Options of {@link tsne}; the defaults are the usual ones (openTSNE, scikit-learn). */
export interface TsneOptions {
  /** Effective number of neighbours. Default 30, lowered to (rows − 1) / 3 for tiny sets. */
  perplexity?: number;
  /** Barnes–Hut opening angle; 0 is exact. Default 0.5. */
  theta?: number;
  /** Total gradient steps. Default 750. */
  iterations?: number;
  /** Factor on P during the first steps, to let clusters form. Default 12. */
  exaggeration?: number;
  /** Steps with exaggeration (and momentum 0.5). Default 250. */
  exaggerationIterations?: number;
  /** Step size; default max(rows / exaggeration / 4, 50) (Belkina et al. 2019). */
  learningRate?: number;
  /** Initial layout: "pca" (default: keeps the global arrangement) or seeded "random". */
  init?: "pca" | "random";
  seed?: number;
  /** Called every 50 steps and at the end, for progress. */
  onIteration?: (iteration: number, total: number) => void;
}

/** A t-SNE embedding and what produced it. */
export interface TsneResult {
  /** `rows × dims`, row-major. */
  points: Float32Array;
  perplexity: number;
  neighbours: number;
  iterations: number;
  /** KL(P ‖ Q) of the final layout (Q from the same Barnes–Hut normaliser). */
  klDivergence: number;
}

/** Embeds the rows of a `rows × cols` matrix in `dims` (2 or 3) dimensions. */
export function tsne(data: Float32Array | Float64Array, rows: number, cols: number, dims: 2 | 3, options: TsneOptions = {}): TsneResult {
  checkShape(data, rows, cols);
  if (dims !== 2 && dims !== 3) throw new OptionError("dims", `must be 2 or 3 for t-SNE, got ${dims}`);
  if (rows < 4) throw new TooFewRowsError("t-SNE", rows, 4, "use PCA for a dataset this small");
  const perplexity = Math.min(options.perplexity ?? 30, (rows - 1) / 3);
  const k = Math.min(rows - 1, Math.floor(3 * perplexity));
  const neighbours = exactNeighbours(data, rows, cols, k);
  const affinities = symmetrize(neighbours, conditionalAffinities(neighbours, rows, perplexity), rows);

  const iterations = options.iterations ?? 750;
  const exaggeration = options.exaggeration ?? 12;
  const exaggerationIterations = Math.min(iterations, options.exaggerationIterations ?? 250);
  const learningRate = options.learningRate ?? Math.max(rows / exaggeration / 4, 50);
  const theta = options.theta ?? 0.5;
  const y = initialLayout(data, rows, cols, dims, options.init ?? "pca", options.seed ?? 0);

  const n = rows * dims;
  const gradient = new Float64Array(n);
  const attraction = new Float64Array(n);
  const repulsion = new Float64Array(n);
  const update = new Float64Array(n);
  const gains = new Float64Array(n).fill(1);
  const stack = new Int32Array(treeStackSize(dims));
  let z = 1;
  for (let iteration = 0; iteration < iterations; iteration++) {
    const early = iteration < exaggerationIterations;
    const momentum = early ? 0.5 : 0.8;
    attractiveForces(affinities, y, dims, early ? exaggeration : 1, attraction);
    repulsion.fill(0);
    const tree = buildSpaceTree(y, rows, dims);
    z = 0;
    for (let i = 0; i < rows; i++) z += repulsiveForces(tree, y, i, theta, repulsion, stack);
    for (let e = 0; e < n; e++) gradient[e] = 4 * (attraction[e] - repulsion[e] / z);
    for (let e = 0; e < n; e++) {
      // Gains grow where the gradient keeps pointing against the last step, shrink where it flips.
      gains[e] = Math.sign(gradient[e]) !== Math.sign(update[e]) ? gains[e] + 0.2 : Math.max(0.01, gains[e] * 0.8);
      update[e] = momentum * update[e] - learningRate * gains[e] * gradient[e];
      y[e] += update[e];
    }
    recentre(y, rows, dims);
    if (options.onIteration && ((iteration + 1) % 50 === 0 || iteration + 1 === iterations)) options.onIteration(iteration + 1, iterations);
  }
  return { points: Float32Array.from(y), perplexity, neighbours: k, iterations, klDivergence: klDivergence(affinities, y, dims, z) };
}

/** Σ_j P_ij · factor · q_ij (y_i − y_j) into `out` (overwritten). */
function attractiveForces(p: SparseAffinities, y: Float64Array, dims: number, factor: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < p.rows; i++) {
    for (let e = p.rowStart[i]; e < p.rowStart[i + 1]; e++) {
      const j = p.columns[e];
      let distanceSquared = 0;
      for (let a = 0; a < dims; a++) distanceSquared += (y[i * dims + a] - y[j * dims + a]) ** 2;
      const weight = (factor * p.values[e]) / (1 + distanceSquared);
      for (let a = 0; a < dims; a++) out[i * dims + a] += weight * (y[i * dims + a] - y[j * dims + a]);
    }
  }
}

/**
 * PCA initialisation (Kobak & Linderman 2021): the top principal components, scaled so the
 * first has standard deviation 1e-4, which keeps the early gradient steps well behaved.
 */
function initialLayout(data: Float32Array | Float64Array, rows: number, cols: number, dims: number, init: "pca" | "random", seed: number): Float64Array {
  const y = new Float64Array(rows * dims);
  if (init === "pca" && cols >= dims) {
    const projected = projectPca(pca(data, rows, cols, dims, { seed }), data, rows, cols);
    y.set(projected);
  } else {
    const gaussian = createGaussian(createRandom(seed));
    for (let e = 0; e < y.length; e++) y[e] = gaussian();
  }
  recentre(y, rows, dims);
  let variance = 0;
  for (let i = 0; i < rows; i++) variance += y[i * dims] ** 2;
  const deviation = Math.sqrt(variance / rows);
  const scale = deviation > 0 ? 1e-4 / deviation : 1e-4;
  for (let e = 0; e < y.length; e++) y[e] *= scale;
  return y;
}

function recentre(y: Float64Array, rows: number, dims: number): void {
  for (let a = 0; a < dims; a++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += y[i * dims + a];
    mean /= rows;
    for (let i = 0; i < rows; i++) y[i * dims + a] -= mean;
  }
}

/** KL(P ‖ Q) over the stored P entries (the rest of P is zero), Q_ij = q_ij / Z. */
function klDivergence(p: SparseAffinities, y: Float64Array, dims: number, z: number): number {
  let sum = 0;
  for (let i = 0; i < p.rows; i++) {
    for (let e = p.rowStart[i]; e < p.rowStart[i + 1]; e++) {
      const value = p.values[e];
      if (value <= 0) continue;
      const j = p.columns[e];
      let distanceSquared = 0;
      for (let a = 0; a < dims; a++) distanceSquared += (y[i * dims + a] - y[j * dims + a]) ** 2;
      sum += value * Math.log(value / (1 / (1 + distanceSquared) / z));
    }
  }
  return sum;
}
