/**
 * A user can hand gapfill a dataset of one, two or six rows. Every geometry step that cannot
 * work on so few rows must say so as a coded, user-fixable error (too-few-rows), not fail
 * with an index out of range deep inside the linear algebra.
 */
import { describe, expect, it } from "vitest";
import { GapfillError, TooFewRowsError } from "../core/errors.js";
import { densityGrid } from "./grid-density.js";
import { knnDensity } from "./knn-density.js";
import { lexicalEmbedding } from "./lexical-embedding.js";
import { placeByNearestNeighbours } from "./nearest-placement.js";
import { pca, pcaStreaming } from "./pca.js";
import { denseRowSource } from "./matrix.js";
import { truncatedSvdDense } from "./truncated-svd.js";
import { tsne } from "./tsne.js";
import { umap } from "./umap.js";

/** `rows × cols` distinct values, so nothing is degenerate except the row count. */
function matrix(rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.7) + i / 10);
}

function caught(action: () => unknown): TooFewRowsError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(TooFewRowsError);
    return error as TooFewRowsError;
  }
  throw new Error("expected a too-few-rows error");
}

describe("tiny datasets give too-few-rows errors", () => {
  it("PCA to k dims needs k + 1 rows: 2 rows cannot make a 2-D map", () => {
    const error = caught(() => pca(matrix(2, 8), 2, 8, 2));
    expect(error).toBeInstanceOf(GapfillError);
    expect([error.code, error.userFixable, error.needed, error.got]).toEqual(["too-few-rows", true, 3, 2]);
    expect(error.message).toBe("PCA to 2 dims needs at least 3 rows, got 2");
    expect(caught(() => pca(matrix(1, 8), 1, 8, 2)).got).toBe(1);
    expect(pca(matrix(3, 8), 3, 8, 2).k).toBe(2);
  });

  it("PCA streamed over row blocks checks the same before its first pass", async () => {
    await expect(pcaStreaming(denseRowSource(matrix(3, 4), 3, 4), 3)).rejects.toMatchObject({ code: "too-few-rows", needed: 4, got: 3 });
  });

  it("PCA to more dims than the vectors have names the dims, not the rows", () => {
    expect(() => pca(matrix(6, 1), 6, 1, 2)).toThrow(expect.objectContaining({ code: "too-few-dims", userFixable: true }));
  });

  it("truncated SVD to k dims needs k rows", () => {
    expect(caught(() => truncatedSvdDense(matrix(2, 8), 2, 8, 3)).message).toBe("truncated SVD to 3 dims needs at least 3 rows, got 2");
  });

  it("the lexical embedder needs two texts", () => {
    expect(caught(() => lexicalEmbedding(["one lonely question"])).message).toBe("the lexical embedder needs at least 2 rows, got 1");
  });

  it("two texts embed lexically, but their 1-dim vectors cannot make a 2-D PCA map", () => {
    const embedding = lexicalEmbedding(["Tom has three apples", "A train goes sixty miles"]);
    expect(embedding.dims).toBe(1);
    expect(caught(() => pca(embedding.vectors, embedding.rows, embedding.dims, 2)).needed).toBe(3);
  });

  it("kNN density with k = 10 on six rows asks for more rows or a lower k", () => {
    const error = caught(() => knnDensity(matrix(6, 4), 6, 4, { k: 10 }));
    expect(error.message).toBe("kNN density with k = 10 needs at least 11 rows, got 6: lower k");
    expect(knnDensity(matrix(6, 4), 6, 4, { k: 5 }).density).toHaveLength(6);
  });

  it("t-SNE needs 4 rows and UMAP 5, and both suggest PCA", async () => {
    expect(caught(() => tsne(matrix(3, 4), 3, 4, 2)).message).toMatch(/^t-SNE needs at least 4 rows, got 3: use PCA/);
    await expect(umap(matrix(2, 4), 2, 4, 2)).rejects.toMatchObject({ code: "too-few-rows", needed: 5, got: 2 });
  });

  it("a grid needs a point, and placing on an empty map is refused", () => {
    expect(caught(() => densityGrid(new Float32Array(0), 0, 2)).needed).toBe(1);
    const empty = { data: new Float32Array(0), rows: 0, cols: 4 };
    const newRows = { data: matrix(1, 4), rows: 1, cols: 4 };
    expect(caught(() => placeByNearestNeighbours(empty, { data: new Float32Array(0), rows: 0, cols: 2 }, newRows, 3)).code).toBe("too-few-rows");
  });
});

describe("streamed reductions check before their first pass", () => {
  it("truncated SVD streamed over row blocks needs k rows", async () => {
    const { truncatedSvdStreaming } = await import("./truncated-svd.js");
    await expect(truncatedSvdStreaming(denseRowSource(matrix(2, 6), 2, 6), 3)).rejects.toMatchObject({ code: "too-few-rows", needed: 3, got: 2 });
  });
});
