/**
 * Places new texts in a fitted lexical embedding (TF-IDF + truncated SVD) without refitting:
 * the texts are weighted with the fitted vocabulary and IDF table and projected on the fitted
 * components. Used to put generated examples on a map made by the lexical embedder.
 */
import { InputError, TooFewRowsError } from "../core/errors.js";
import type { LexicalEmbeddingOptions } from "./lexical-embedding.js";
import { type Tfidf, tfidf, tokenize } from "./tfidf.js";
import { projectSvdSparse, type SvdModel, truncatedSvd } from "./truncated-svd.js";

/** A fitted lexical embedder: what {@link transformLexical} needs. */
export interface LexicalModel {
  tfidf: Tfidf;
  svd: SvdModel;
  dims: number;
}

/**
 * Fits the model exactly as `lexicalEmbedding` does (same steps, same defaults), so the
 * training texts transform to the vectors it returned; a test holds the two together.
 */
export function fitLexicalModel(texts: readonly string[], options: LexicalEmbeddingOptions = {}): LexicalModel {
  if (texts.length < 2) throw new TooFewRowsError("the lexical embedder", texts.length, 2);
  const model = tfidf(texts, options);
  const { matrix } = model;
  if (matrix.cols < 2) {
    // Without a flag for minDf, name what the user can change: the texts, or the embedder.
    throw new InputError(
      "too-few-terms",
      `the lexical embedder found ${matrix.cols} usable word${matrix.cols === 1 ? "" : "s"} in ${texts.length} texts (it needs 2 words that recur across texts but are not in every one; are the rows identical?): give more varied texts, or map with a student model`,
    );
  }
  const dims = Math.min(options.dims ?? 64, matrix.cols - 1, texts.length - 1);
  const svd = truncatedSvd(matrix, dims, { oversample: options.oversample ?? 10, iterations: options.iterations ?? 4, seed: options.seed ?? 0 });
  return { tfidf: model, svd, dims };
}

/** Unit-length vectors (`texts.length × dims`) of new texts; a text with no known term is a zero row. */
export function transformLexical(model: LexicalModel, texts: readonly string[]): Float32Array {
  const { vocabulary, idf } = model.tfidf;
  const column = new Map(vocabulary.map((term, i) => [term, i]));
  const indptr = new Uint32Array(texts.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  texts.forEach((text, r) => {
    const counts = new Map<number, number>();
    for (const token of tokenize(text)) {
      const c = column.get(token);
      if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const columns = [...counts.keys()].sort((a, b) => a - b);
    const weights = columns.map((c) => (1 + Math.log(counts.get(c) as number)) * idf[c]);
    const norm = Math.sqrt(weights.reduce((sum, w) => sum + w * w, 0));
    columns.forEach((c, i) => {
      indices.push(c);
      values.push(weights[i] / norm);
    });
    indptr[r + 1] = indices.length;
  });
  const matrix = { rows: texts.length, cols: vocabulary.length, indptr, indices: Uint32Array.from(indices), values: Float64Array.from(values) };
  const vectors = projectSvdSparse(model.svd, matrix);
  const { dims } = model;
  for (let r = 0; r < texts.length; r++) {
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += vectors[r * dims + d] ** 2;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let d = 0; d < dims; d++) vectors[r * dims + d] /= norm;
  }
  return vectors;
}
