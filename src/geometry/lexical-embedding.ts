/**
 * The offline embedder: TF-IDF + truncated SVD (latent semantic analysis), for when no
 * student model is reachable. It sees words, not the student: every artifact built on
 * it must say so (use {@link LEXICAL_LABEL}).
 */
import type { Tfidf, TfidfOptions } from "./tfidf.js";
import type { RandomizedOptions } from "./subspace-iteration.js";
import { projectSvdSparse } from "./truncated-svd.js";
import { fitLexicalModel } from "./lexical-transform.js";

/** The label to carry into every artifact made from lexical embeddings. */
export const LEXICAL_LABEL = "lexical embedding (TF-IDF + truncated SVD): a word-overlap view, not the student model's";

/** Options of {@link lexicalEmbedding}. */
export interface LexicalEmbeddingOptions extends TfidfOptions, RandomizedOptions {
  /** Output dimension. Default 64 (fewer when the vocabulary or the texts are fewer). */
  dims?: number;
}

/** Embeddings of the texts plus the fitted TF-IDF (vocabulary and IDF table). */
export interface LexicalEmbedding {
  /** `rows × dims`, row-major, unit length (rows of texts with no known term are zero). */
  vectors: Float32Array;
  rows: number;
  dims: number;
  tfidf: Tfidf;
  /** Indices of texts with no vocabulary term (zero vectors). */
  emptyRows: number[];
  label: string;
}

/** Embeds texts deterministically (the same texts and options give the same bytes). */
export function lexicalEmbedding(texts: readonly string[], options: LexicalEmbeddingOptions = {}): LexicalEmbedding {
  const { tfidf: model, svd, dims } = fitLexicalModel(texts, options);
  const { matrix } = model;
  const vectors = projectSvdSparse(svd, matrix);
  const emptyRows: number[] = [];
  for (let r = 0; r < matrix.rows; r++) {
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += vectors[r * dims + d] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      emptyRows.push(r);
      continue;
    }
    for (let d = 0; d < dims; d++) vectors[r * dims + d] /= norm;
  }
  return { vectors, rows: matrix.rows, dims, tfidf: model, emptyRows, label: LEXICAL_LABEL };
}
