/**
 * The final pass of a randomized fit that also projects (pca.ts, truncated-svd.ts): every row's
 * coordinates in the last basis are kept, and their Gram matrix is what the fit's last step needs.
 */
import { projectBlock } from "./dense-kernels.js";
import type { GramThreads } from "./gram-workers.js";
import type { RowBlock } from "./matrix.js";
import { gramOfRows } from "./subspace-iteration.js";

/** One pass over the rows: blocks in, the product the subspace iteration asked for out. */
export interface Pass {
  add(block: RowBlock): void | Promise<void>;
  finish(): Float64Array;
}

/**
 * A pass that keeps every row's coordinates in a basis (`components`, `width × cols`) into
 * `coordinates` (`rows × width`) and returns their Gram matrix TᵀT — the final pass of a fit that
 * also projects (PCA with the mean, truncated SVD without) — on the Gram threads when given.
 */
export function rowProjectionPass(inputs: {
  rows: number;
  cols: number;
  mean: Float64Array | null;
  components: Float64Array;
  width: number;
  meanProjection: Float64Array;
  coordinates: Float64Array;
  threads: GramThreads | null;
}): Pass {
  const { rows, cols, mean, components, width, meanProjection, coordinates, threads } = inputs;
  const threaded = threads ? threads.beginProjection({ cols, mean, components, k: width, meanProjection, out: coordinates }) : null;
  let seen = 0;
  return {
    async add(block: RowBlock) {
      if (seen + block.rows > rows) throw new RangeError(`row source yielded more than the declared ${rows} rows`);
      if (threaded) await threaded.add(block);
      else projectBlock(block.data, block.rows, cols, mean, components, width, meanProjection, coordinates, seen * width);
      seen += block.rows;
    },
    finish(): Float64Array {
      if (seen !== rows) throw new RangeError(`row source yielded ${seen} rows, declared ${rows}`);
      threaded?.finish();
      return gramOfRows(coordinates, rows, width);
    },
  };
}
