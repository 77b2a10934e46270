/**
 * UMAP to 2-D or 3-D through umap-js (MIT), the JavaScript port of umap-learn: pure JS, so it
 * installs wherever Node runs, imported through its package entry and pinned exactly in
 * package.json (the tests below are the tripwire for an upgrade). Seeded runs are repeatable:
 * every random draw (NN-descent, the initial layout, negative sampling) comes from our seeded
 * generator.
 *
 * Why not embedding-atlas's faster WASM UMAP: its package exports UMAP only from a main entry
 * that loads the Mosaic/DuckDB UI stack as peers, so it could be used only by importing an
 * unexported file by path, which the package may move in any release.
 */
import { OptionError, TooFewRowsError } from "../core/errors.js";
import { checkShape } from "./matrix.js";
import { createRandom } from "./random.js";

/** Options of {@link umap}; defaults are umap-learn's. */
export interface UmapOptions {
  /** Size of the local neighbourhood. Default 15 (lowered for tiny sets). */
  neighbours?: number;
  /** How tightly points may pack in the output. Default 0.1. */
  minDistance?: number;
  /** Optimisation epochs; default: the library's (500 up to 2,500 rows, down to 200 above 7,500). */
  epochs?: number;
  metric?: "euclidean" | "cosine";
  seed?: number;
  /** Progress in [0, 1] with the library's stage name. */
  onProgress?: (progress: number, stage: string) => void;
}

/** A UMAP embedding and the parameters that produced it. */
export interface UmapResult {
  /** `rows × dims`, row-major. */
  points: Float32Array;
  neighbours: number;
  minDistance: number;
  epochs: number;
  library: string;
}

/** The version package.json pins; said in every result, so a map records which UMAP drew it. */
export const UMAP_LIBRARY = "umap-js 1.4.0 (NN-descent kNN graph, random initial layout)";

type UmapJs = typeof import("umap-js");
let loaded: Promise<UmapJs> | undefined;

/** umap-js and its matrix library load only when a map asks for UMAP. */
function loadUmapJs(): Promise<UmapJs> {
  loaded ??= import("umap-js");
  return loaded;
}

/** Cosine distance, as umap-learn's `metric="cosine"`: 1 − cos θ, and 0 for a zero vector. */
function cosineDistance(x: number[], y: number[]): number {
  let dot = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i] * y[i];
    xx += x[i] * x[i];
    yy += y[i] * y[i];
  }
  return xx === 0 || yy === 0 ? 0 : 1 - dot / Math.sqrt(xx * yy);
}

// umap-js optimises synchronously; yielding every few epochs keeps signals, progress output and
// the UI server responsive during a long map.
const EPOCHS_PER_YIELD = 10;

/** Embeds the rows of a `rows × cols` matrix in `dims` dimensions with UMAP. */
export async function umap(data: Float32Array, rows: number, cols: number, dims: 2 | 3, options: UmapOptions = {}): Promise<UmapResult> {
  checkShape(data, rows, cols);
  if (dims !== 2 && dims !== 3) throw new OptionError("dims", `must be 2 or 3 for UMAP, got ${dims}`);
  // The neighbourhood graph needs a few more points than neighbours.
  if (rows < 5) throw new TooFewRowsError("UMAP", rows, 5, "use PCA for a dataset this small");
  const neighbours = Math.min(options.neighbours ?? 15, rows - 2);
  const minDistance = options.minDistance ?? 0.1;
  const { UMAP } = await loadUmapJs();
  const vectors: number[][] = new Array(rows);
  for (let r = 0; r < rows; r++) vectors[r] = Array.from(data.subarray(r * cols, (r + 1) * cols));
  const instance = new UMAP({
    nComponents: dims,
    nNeighbors: neighbours,
    minDist: minDistance,
    ...(options.epochs === undefined ? {} : { nEpochs: options.epochs }),
    random: createRandom(options.seed ?? 0),
    ...(options.metric === "cosine" ? { distanceFn: cosineDistance } : {}),
  });
  options.onProgress?.(0, "nearest neighbours");
  const epochs = instance.initializeFit(vectors);
  for (let epoch = 0; epoch < epochs; epoch++) {
    instance.step();
    if ((epoch + 1) % EPOCHS_PER_YIELD === 0 || epoch + 1 === epochs) {
      options.onProgress?.((epoch + 1) / epochs, "optimise layout");
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const points = Float32Array.from(instance.getEmbedding().flat());
  for (const value of points) if (!Number.isFinite(value)) throw new Error("UMAP produced a non-finite coordinate");
  return { points, neighbours, minDistance, epochs, library: UMAP_LIBRARY };
}
