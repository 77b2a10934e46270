"""Benchmark peer for bench/map-nonlinear-bench.ts: umap-learn (Debian's umap-learn) on the same float32 rows.

Usage: python3 umap_peer.py DATA.f32 ROWS COLS OUT.f32
Writes the 2-D points to OUT.f32 (float32, row-major) and prints one JSON line: the fit's seconds
(after a small warm-up fit, so numba's compilation is not counted).
"""
import json
import sys
import time

import numpy as np
import umap


def main() -> None:
    path, rows, cols, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    data = np.fromfile(path, dtype=np.float32, count=rows * cols).reshape(rows, cols)
    umap.UMAP(random_state=0, n_epochs=5).fit_transform(data[:500])
    start = time.perf_counter()
    points = umap.UMAP(random_state=0).fit_transform(data).astype(np.float32)
    seconds = time.perf_counter() - start
    points.tofile(out)
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main()
