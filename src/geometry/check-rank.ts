import { InputError, TooFewRowsError } from "../core/errors.js";

/**
 * Checks that a rank-`k` factorisation of a `rows × cols` matrix can be made before the
 * subspace iteration starts: a tiny dataset is the user's to fix, and should say so in rows
 * rather than surface as an index out of range deep in the linear algebra.
 * Centred methods (PCA) lose one degree of freedom to the mean, so they need `k + 1` rows.
 */
export function checkRank(method: string, rows: number, cols: number, k: number, centred: boolean): void {
  const needed = centred ? k + 1 : k;
  if (rows < needed) throw new TooFewRowsError(`${method} to ${k} dims`, rows, needed);
  if (cols < k) {
    throw new InputError("too-few-dims", `${method} to ${k} dims needs vectors of at least ${k} dims, got ${cols}`);
  }
}
