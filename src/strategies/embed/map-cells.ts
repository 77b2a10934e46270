import { cellCoordinates } from "../../geometry/grid-density.js";

export { cellCoordinates };

/** The map's grid as stored in map.json: cells per axis and the bounds they divide. */
export interface StoredGrid {
  shape: readonly number[];
  min: readonly number[];
  max: readonly number[];
}

/** Grid cell of a point, with the map's rule: outside the bounds it is clamped into the edge cell. */
export function cellOfPoint(grid: StoredGrid, point: ArrayLike<number>): number {
  let index = 0;
  for (let d = grid.shape.length - 1; d >= 0; d--) {
    const n = grid.shape[d];
    let c = Math.floor(((point[d] - grid.min[d]) / (grid.max[d] - grid.min[d])) * n);
    if (c >= n) c = n - 1;
    if (c < 0 || Number.isNaN(c)) c = 0;
    index = index * n + c;
  }
  return index;
}

/** True when two cells are the same or touch (Chebyshev distance ≤ 1, diagonals included). */
export function cellsTouch(grid: Pick<StoredGrid, "shape">, a: number, b: number): boolean {
  const ca = cellCoordinates(grid, a);
  const cb = cellCoordinates(grid, b);
  return ca.every((value, d) => Math.abs(value - cb[d]) <= 1);
}

/** The set of cells that are sparse or touch a sparse cell. */
export function sparseNeighbourhood(grid: Pick<StoredGrid, "shape">, sparseCells: readonly number[]): Set<number> {
  const out = new Set<number>();
  const dims = grid.shape.length;
  for (const cell of sparseCells) {
    const base = cellCoordinates(grid, cell);
    for (let offset = 0; offset < 3 ** dims; offset++) {
      let rest = offset;
      let index = 0;
      let inside = true;
      const coordinates = base.map((value, d) => {
        const shifted = value + (rest % 3) - 1;
        rest = Math.floor(rest / 3);
        if (shifted < 0 || shifted >= grid.shape[d]) inside = false;
        return shifted;
      });
      if (!inside) continue;
      for (let d = dims - 1; d >= 0; d--) index = index * grid.shape[d] + coordinates[d];
      out.add(index);
    }
  }
  return out;
}
