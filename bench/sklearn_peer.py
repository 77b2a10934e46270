"""Benchmark peer for bench/map-bench.ts: sklearn's PCA, TruncatedSVD (and exact kNN) on the same float32 data.

Usage: python3 sklearn_peer.py DATA.bin ROWS COLS K_NEIGHBOURS RUN_KNN(0|1)
Prints one JSON line with seconds per stage and the PCA components (for the subspace check).
"""
import json
import sys
import time

import numpy as np
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.neighbors import NearestNeighbors


def main() -> None:
    path, rows, cols, k, run_knn = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1"
    data = np.memmap(path, dtype=np.float32, mode="r", shape=(rows, cols))
    data = np.asarray(data)
    figures = {}
    start = time.perf_counter()
    pca = PCA(n_components=2, svd_solver="randomized", random_state=0)
    pca.fit_transform(data)
    figures["pca_s"] = time.perf_counter() - start
    figures["components"] = pca.components_.tolist()
    start = time.perf_counter()
    svd = TruncatedSVD(n_components=2, algorithm="randomized", random_state=0)
    svd.fit_transform(data)
    figures["svd_s"] = time.perf_counter() - start
    figures["svd_components"] = svd.components_.tolist()
    if run_knn:
        start = time.perf_counter()
        NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(data).kneighbors(data)
        figures["knn_s"] = time.perf_counter() - start
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
