/**
 * TF-IDF over plain texts, as a sparse CSR matrix: the input of the lexical embedder and
 * the source of IDF token weights (the paper weights tokens by attention, which
 * llama.cpp and vLLM do not expose; IDF is the offered stand-in).
 */
import type { CsrMatrix } from "./truncated-svd.js";

/** Lowercased words (any script) and numbers ("3", "2.5", "1,000") in text order. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/\p{L}+|\p{N}+(?:[.,]\p{N}+)*/gu) ?? [];
}

/** Vocabulary filters. */
export interface TfidfOptions {
  /** Keep terms in at least this many texts. Default 2 (1 when there are fewer than 10 texts). */
  minDf?: number;
  /** Drop terms in more than this share of texts. Default 0.9. */
  maxDfRatio?: number;
}

/** The fitted TF-IDF: the matrix and what is needed to weight tokens later. */
export interface Tfidf {
  matrix: CsrMatrix;
  /** Terms in column order (sorted, so the same texts give the same columns). */
  vocabulary: string[];
  /** Smoothed IDF per column: ln((1 + n) / (1 + df)) + 1. */
  idf: Float64Array;
  /** IDF given to a term never seen (that of a term in no text). */
  unknownIdf: number;
}

/**
 * TF-IDF with sublinear tf (1 + ln tf), smoothed idf, rows l2-normalised. A text with
 * no kept term becomes an empty row.
 */
export function tfidf(texts: readonly string[], options: TfidfOptions = {}): Tfidf {
  const n = texts.length;
  const minDf = options.minDf ?? (n < 10 ? 1 : 2);
  const maxDf = Math.floor((options.maxDfRatio ?? 0.9) * n) || n;
  const tokenized = texts.map(tokenize);
  const documentFrequency = new Map<string, number>();
  for (const tokens of tokenized) for (const term of new Set(tokens)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const vocabulary = [...documentFrequency.entries()]
    .filter(([, df]) => df >= minDf && df <= maxDf)
    .map(([term]) => term)
    .sort();
  const column = new Map(vocabulary.map((term, i) => [term, i]));
  const idf = Float64Array.from(vocabulary, (term) => Math.log((1 + n) / (1 + (documentFrequency.get(term) as number))) + 1);
  const indptr = new Uint32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < n; r++) {
    const termCounts = new Map<number, number>();
    for (const token of tokenized[r]) {
      const c = column.get(token);
      if (c !== undefined) termCounts.set(c, (termCounts.get(c) ?? 0) + 1);
    }
    const columns = [...termCounts.keys()].sort((a, b) => a - b);
    let norm = 0;
    const rowValues = columns.map((c) => {
      const value = (1 + Math.log(termCounts.get(c) as number)) * idf[c];
      norm += value * value;
      return value;
    });
    norm = Math.sqrt(norm);
    for (let i = 0; i < columns.length; i++) {
      indices.push(columns[i]);
      values.push(rowValues[i] / norm);
    }
    indptr[r + 1] = indices.length;
  }
  return {
    matrix: { rows: n, cols: vocabulary.length, indptr, indices: Uint32Array.from(indices), values: Float64Array.from(values) },
    vocabulary,
    idf,
    unknownIdf: Math.log(1 + n) + 1,
  };
}

/** A term → IDF lookup for weighting a model's tokens. */
export interface IdfTable {
  terms: Map<string, number>;
  unknownIdf: number;
}

/** The IDF table of a fitted TF-IDF. */
export function idfTable(model: Tfidf): IdfTable {
  return { terms: new Map(model.vocabulary.map((term, i) => [term, model.idf[i]])), unknownIdf: model.unknownIdf };
}

/**
 * IDF weights for a model's token strings (sub-words such as "▁Nat" or "Ġalia"):
 * the token is lowercased and stripped of word-boundary markers and punctuation; a
 * token that is only punctuation or whitespace gets the smallest IDF in the table, an
 * unseen one the unknown IDF. Normalise with `normalizeWeights` before pooling.
 */
export function idfTokenWeights(tokens: readonly string[], table: IdfTable): Float64Array {
  let smallest = table.unknownIdf;
  for (const value of table.terms.values()) smallest = Math.min(smallest, value);
  return Float64Array.from(tokens, (token) => {
    const words = tokenize(token.replace(/^[▁Ġ]+/u, ""));
    if (words.length === 0) return smallest;
    return Math.max(...words.map((word) => table.terms.get(word) ?? table.unknownIdf));
  });
}
