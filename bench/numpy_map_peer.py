"""Benchmark peer for bench/map-bench.ts: the map's geometry in numpy, streamed, on the same bytes.

What gapfill's map does after the embeddings, written the way a numpy user would: PCA from the
covariance accumulated over row blocks of a memory map (one pass; BLAS does the products), the
rows projected in a second pass, a density grid of the shape gapfill chose, the sparse cells and
sliding windows under gapfill's threshold, seed points on opposing sides of the sparsest windows,
and the kNN cross-check on the same samples gapfill queries (sparse-cell points, a uniform sample
for the cutoff, a reference sample, a Gaussian projection to 32 dimensions).

Usage: python3 numpy_map_peer.py DATA ROWS COLS OFFSET_BYTES GRID_X GRID_Y THRESHOLD PAIRS
Prints one JSON line: seconds per stage, the total, peak RSS, and the top-2 components (for the
subspace check).
"""
import json
import resource
import sys
import time

import numpy as np

BLOCK_ROWS = 16384


def main() -> None:
    path = sys.argv[1]
    rows, cols, offset = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    shape = (int(sys.argv[5]), int(sys.argv[6]))
    threshold, pairs = float(sys.argv[7]), int(sys.argv[8])
    data = np.memmap(path, dtype=np.float32, mode="r", offset=offset, shape=(rows, cols))
    figures = {}
    started = time.perf_counter()

    # Reduce: covariance over blocks (float32 products per block, float64 totals), top-2 eigenvectors.
    stage = time.perf_counter()
    sums = np.zeros(cols)
    gram = np.zeros((cols, cols))
    for start in range(0, rows, BLOCK_ROWS):
        block = np.asarray(data[start : start + BLOCK_ROWS])
        sums += block.sum(axis=0, dtype=np.float64)
        gram += block.T @ block
    mean = sums / rows
    covariance = (gram - rows * np.outer(mean, mean)) / (rows - 1)
    values, vectors = np.linalg.eigh(covariance)
    components = vectors[:, ::-1][:, :2].T.copy()
    points = np.empty((rows, 2), dtype=np.float32)
    mean32, basis32 = mean.astype(np.float32), components.T.astype(np.float32)
    for start in range(0, rows, BLOCK_ROWS):
        block = np.asarray(data[start : start + BLOCK_ROWS])
        points[start : start + len(block)] = (block - mean32) @ basis32
    figures["reduce_s"] = time.perf_counter() - stage

    # Grid, sparse cells and windows (3 × 3 sums), as gapfill shaped and thresholded them.
    stage = time.perf_counter()
    low, high = points.min(axis=0), points.max(axis=0)
    size = (high - low) / np.array(shape)
    cell_xy = np.minimum(((points - low) / size).astype(np.int64), np.array(shape) - 1)
    cell = cell_xy[:, 0] * shape[1] + cell_xy[:, 1]
    counts = np.bincount(cell, minlength=shape[0] * shape[1]).reshape(shape)
    padded = np.pad(counts, 1)
    window = sum(padded[1 + dx : 1 + dx + shape[0], 1 + dy : 1 + dy + shape[1]] for dx in (-1, 0, 1) for dy in (-1, 0, 1))
    sparse = (window <= threshold) & (window > 0)
    figures["grid_s"] = time.perf_counter() - stage

    # Seeds: for the sparsest windows, the nearest point beyond each of two opposing sides.
    stage = time.perf_counter()
    order = np.argsort(window, axis=None, kind="stable")
    chosen = [c for c in order if sparse.flat[c]][:pairs]
    for flat in chosen:
        cx, cy = divmod(int(flat), shape[1])
        centre = low + (np.array([cx, cy]) + 0.5) * size
        for axis in (0, 1):
            for side in (-1.5, 1.5):
                target = centre.copy()
                target[axis] += side * size[axis]
                int(np.argmin(((points - target) ** 2).sum(axis=1)))
    figures["seeds_s"] = time.perf_counter() - stage

    # kNN check on samples: sparse-cell points (20K at most), 20K uniform rows, 2,048 references.
    stage = time.perf_counter()
    rng = np.random.default_rng(0)
    sparse_points = np.flatnonzero(sparse.reshape(-1)[cell])
    if len(sparse_points) > 20_000:
        sparse_points = rng.choice(sparse_points, 20_000, replace=False)
    uniform = rng.choice(rows, min(rows, 20_000), replace=False)
    reference = rng.choice(rows, min(rows, 2048), replace=False)
    needed = np.unique(np.concatenate([sparse_points, uniform, reference]))
    projection = (rng.standard_normal((cols, 32)) / np.sqrt(32)).astype(np.float32)
    projected = np.asarray(data[needed]) @ projection
    position = np.searchsorted(needed, reference)
    refs = projected[position]
    distances = (projected**2).sum(1)[:, None] + (refs**2).sum(1)[None, :] - 2 * projected @ refs.T
    distances[position, np.arange(len(reference))] = np.inf  # a row is not its own neighbour
    kth = np.sqrt(np.maximum(np.partition(distances, 9, axis=1)[:, 9], 0))
    density = 1 / kth
    cutoff = np.quantile(density[np.searchsorted(needed, uniform)], 0.25)
    float((density[np.searchsorted(needed, sparse_points)] < cutoff).mean()) if len(sparse_points) else 0.0
    figures["knn_s"] = time.perf_counter() - stage

    figures["total_s"] = time.perf_counter() - started
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["components"] = components.tolist()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
