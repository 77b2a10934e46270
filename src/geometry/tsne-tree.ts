/**
 * The Barnes–Hut space-partitioning tree of t-SNE: a quadtree in 2-D, an octree in 3-D,
 * over flat typed arrays (no node objects, so a 20K-point tree rebuilt every iteration
 * makes no garbage). Each cell keeps its point count and centre of mass; a cell that is
 * small seen from a point (width / distance < θ) stands in for all of its points.
 */

/** A built tree; read it with {@link repulsiveForces}. */
export interface SpaceTree {
  dims: number;
  /** Cells in use; cell 0 is the root. */
  cells: number;
  /** `cells × dims`: geometric centre of each cell. */
  centre: Float64Array;
  /** Half of each cell's side. */
  halfWidth: Float64Array;
  /** `cells × dims`: centre of mass of the points under each cell. */
  centreOfMass: Float64Array;
  count: Int32Array;
  /** First child cell (children are contiguous, 2^dims of them), or −1 for a leaf. */
  firstChild: Int32Array;
  /** First point stored in a leaf (−1: none); further ones follow `nextPoint`. */
  firstPoint: Int32Array;
  nextPoint: Int32Array;
}

/** Stack length {@link repulsiveForces} needs: every level can push all its children. */
export function treeStackSize(dims: number): number {
  return (MAX_DEPTH + 2) * (1 << dims);
}

/** Below this depth cells stop splitting: points that close are treated as one place. */
const MAX_DEPTH = 48;

/** Builds the tree over `rows × dims` points (dims 2 or 3). */
export function buildSpaceTree(points: Float64Array, rows: number, dims: number): SpaceTree {
  const fanout = 1 << dims;
  let capacity = Math.max(16, 4 * rows);
  let centre = new Float64Array(capacity * dims);
  let halfWidth = new Float64Array(capacity);
  let centreOfMass = new Float64Array(capacity * dims);
  let count = new Int32Array(capacity);
  let firstChild = new Int32Array(capacity);
  let firstPoint = new Int32Array(capacity);
  const nextPoint = new Int32Array(rows).fill(-1);
  const depth: number[] = [0];

  const grow = (needed: number) => {
    if (needed <= capacity) return;
    capacity = Math.max(needed, capacity * 2);
    const bigger = <T extends Float64Array | Int32Array>(array: T, width: number): T => {
      const next = new (array.constructor as { new (n: number): T })(capacity * width);
      next.set(array);
      return next;
    };
    centre = bigger(centre, dims);
    halfWidth = bigger(halfWidth, 1);
    centreOfMass = bigger(centreOfMass, dims);
    count = bigger(count, 1);
    firstChild = bigger(firstChild, 1);
    firstPoint = bigger(firstPoint, 1);
  };

  // Root: the bounding cube of all points, padded so no point sits on its boundary.
  const low = new Float64Array(dims).fill(Infinity);
  const high = new Float64Array(dims).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    for (let a = 0; a < dims; a++) {
      low[a] = Math.min(low[a], points[i * dims + a]);
      high[a] = Math.max(high[a], points[i * dims + a]);
    }
  }
  let side = 0;
  for (let a = 0; a < dims; a++) {
    centre[a] = rows ? (low[a] + high[a]) / 2 : 0;
    side = Math.max(side, rows ? high[a] - low[a] : 0);
  }
  halfWidth[0] = (side / 2) * (1 + 1e-5) + 1e-5;
  firstChild[0] = -1;
  firstPoint[0] = -1;
  let cells = 1;

  const childFor = (cell: number, point: number) => {
    let octant = 0;
    for (let a = 0; a < dims; a++) if (points[point * dims + a] > centre[cell * dims + a]) octant |= 1 << a;
    return firstChild[cell] + octant;
  };
  const samePlace = (p: number, q: number) => {
    for (let a = 0; a < dims; a++) if (points[p * dims + a] !== points[q * dims + a]) return false;
    return true;
  };
  const split = (cell: number) => {
    grow(cells + fanout);
    firstChild[cell] = cells;
    const quarter = halfWidth[cell] / 2;
    for (let c = 0; c < fanout; c++) {
      const child = cells + c;
      for (let a = 0; a < dims; a++) centre[child * dims + a] = centre[cell * dims + a] + ((c >> a) & 1 ? quarter : -quarter);
      halfWidth[child] = quarter;
      firstChild[child] = -1;
      firstPoint[child] = -1;
      count[child] = 0;
      for (let a = 0; a < dims; a++) centreOfMass[child * dims + a] = 0;
      depth[child] = depth[cell] + 1;
    }
    cells += fanout;
    // The points already here move down; they are still counted in this cell.
    let point = firstPoint[cell];
    firstPoint[cell] = -1;
    while (point !== -1) {
      const following = nextPoint[point];
      const child = childFor(cell, point);
      count[child]++;
      for (let a = 0; a < dims; a++) centreOfMass[child * dims + a] += points[point * dims + a];
      nextPoint[point] = firstPoint[child];
      firstPoint[child] = point;
      point = following;
    }
  };

  for (let i = 0; i < rows; i++) {
    let cell = 0;
    for (;;) {
      count[cell]++;
      for (let a = 0; a < dims; a++) centreOfMass[cell * dims + a] += points[i * dims + a];
      if (firstChild[cell] !== -1) {
        cell = childFor(cell, i);
        continue;
      }
      const resident = firstPoint[cell];
      if (resident === -1 || depth[cell] >= MAX_DEPTH || samePlace(resident, i)) {
        nextPoint[i] = resident;
        firstPoint[cell] = i;
        break;
      }
      split(cell);
      cell = childFor(cell, i);
    }
  }
  // Sums to means.
  for (let cell = 0; cell < cells; cell++) {
    if (count[cell] > 0) for (let a = 0; a < dims; a++) centreOfMass[cell * dims + a] /= count[cell];
  }
  return { dims, cells, centre, halfWidth, centreOfMass, count, firstChild, firstPoint, nextPoint };
}

/**
 * Adds to `forces[i]` the unnormalised repulsion Σ_j q_ij² (y_i − y_j), q_ij = 1/(1 + ‖y_i − y_j‖²),
 * approximated by Barnes–Hut with opening angle θ, and returns Σ_j q_ij (the normaliser Z's
 * share of point i). θ = 0 is exact.
 */
export function repulsiveForces(tree: SpaceTree, points: Float64Array, i: number, theta: number, forces: Float64Array, stack: Int32Array): number {
  const { dims, halfWidth, centreOfMass, count, firstChild, firstPoint, nextPoint } = tree;
  const thetaSquared = theta * theta;
  let sumQ = 0;
  let top = 0;
  stack[top++] = 0;
  const x = points[i * dims];
  const y = points[i * dims + 1];
  const z = dims === 3 ? points[i * dims + 2] : 0;
  while (top > 0) {
    const cell = stack[--top];
    const n = count[cell];
    if (n === 0) continue;
    const child = firstChild[cell];
    if (child === -1) {
      for (let j = firstPoint[cell]; j !== -1; j = nextPoint[j]) {
        if (j === i) continue;
        const dx = x - points[j * dims];
        const dy = y - points[j * dims + 1];
        const dz = dims === 3 ? z - points[j * dims + 2] : 0;
        const q = 1 / (1 + dx * dx + dy * dy + dz * dz);
        sumQ += q;
        const qq = q * q;
        forces[i * dims] += qq * dx;
        forces[i * dims + 1] += qq * dy;
        if (dims === 3) forces[i * dims + 2] += qq * dz;
      }
      continue;
    }
    const dx = x - centreOfMass[cell * dims];
    const dy = y - centreOfMass[cell * dims + 1];
    const dz = dims === 3 ? z - centreOfMass[cell * dims + 2] : 0;
    const distanceSquared = dx * dx + dy * dy + dz * dz;
    const width = 2 * halfWidth[cell];
    if (width * width < thetaSquared * distanceSquared) {
      const q = 1 / (1 + distanceSquared);
      sumQ += n * q;
      const nqq = n * q * q;
      forces[i * dims] += nqq * dx;
      forces[i * dims + 1] += nqq * dy;
      if (dims === 3) forces[i * dims + 2] += nqq * dz;
      continue;
    }
    const fanout = 1 << dims;
    for (let c = 0; c < fanout; c++) stack[top++] = child + c;
  }
  return sumQ;
}
