import { describe, expect, it } from "vitest";
import { createRandom } from "../../../geometry/random.js";
import { SPATIAL_INDEX_SCRIPT } from "./spatial-index-script.js";

type Index = unknown;
const api = new Function(`${SPATIAL_INDEX_SCRIPT}; return { buildPointIndex, pointsInRect, nearestPoint, pointsInPolygon };`)() as {
  buildPointIndex(xy: Float32Array, count: number): Index;
  pointsInRect(index: Index, x0: number, y0: number, x1: number, y1: number): number[];
  nearestPoint(index: Index, x: number, y: number, radius: number): number;
  pointsInPolygon(index: Index, polygon: Array<[number, number]>): number[];
};

function cloud(count: number): Float32Array {
  const random = createRandom(3);
  const xy = new Float32Array(2 * count);
  // Two blobs of different spread and a few far outliers: cells of very different fill.
  for (let i = 0; i < count; i++) {
    const far = i % 97 === 0;
    xy[2 * i] = (i % 2 ? 5 : -5) * (far ? 8 : 1) + random() * (i % 2 ? 1 : 4);
    xy[2 * i + 1] = random() * (far ? 40 : 3);
  }
  return xy;
}

describe("map view spatial index", () => {
  const count = 5_000;
  const xy = cloud(count);
  const index = api.buildPointIndex(xy, count);

  it("answers rectangles exactly as a scan does (half-open bounds)", () => {
    for (const [x0, y0, x1, y1] of [[-6, 0, -2, 2], [4.5, 0.5, 5.5, 1.5], [-100, -100, 100, 100], [0, 0, 0.1, 0.1], [xy[0], xy[1], xy[0] + 1, xy[1] + 1]]) {
      const scan: number[] = [];
      for (let i = 0; i < count; i++) if (xy[2 * i] >= x0 && xy[2 * i] < x1 && xy[2 * i + 1] >= y0 && xy[2 * i + 1] < y1) scan.push(i);
      expect(api.pointsInRect(index, x0, y0, x1, y1)).toEqual(scan);
    }
  });

  it("finds the nearest point within a radius, and none when the radius holds none", () => {
    const random = createRandom(9);
    for (let k = 0; k < 200; k++) {
      const x = -12 + random() * 24;
      const y = -1 + random() * 6;
      let best = -1;
      let bestD = 0.5 * 0.5;
      for (let i = 0; i < count; i++) {
        const d = (xy[2 * i] - x) ** 2 + (xy[2 * i + 1] - y) ** 2;
        if (d < bestD || (d === bestD && i > best)) [best, bestD] = [i, d];
      }
      expect(api.nearestPoint(index, x, y, 0.5)).toBe(best);
    }
    expect(api.nearestPoint(index, 1000, 1000, 1)).toBe(-1);
  });

  it("selects the points inside a lasso polygon", () => {
    const triangle: Array<[number, number]> = [[-8, 0], [-2, 0], [-5, 3]];
    const inside = api.pointsInPolygon(index, triangle);
    expect(inside.length).toBeGreaterThan(100);
    for (const i of inside) {
      const [x, y] = [xy[2 * i], xy[2 * i + 1]];
      // Inside the triangle: above its base and below both slanted sides.
      expect(y >= 0 && y <= x + 8 && y <= -x - 2).toBe(true);
    }
    const outsideButInBox = api.pointsInRect(index, -8, 0, -2, 3).filter((i) => !inside.includes(i));
    for (const i of outsideButInBox) expect(xy[2 * i + 1] > xy[2 * i] + 8 - 1e-6 || xy[2 * i + 1] > -xy[2 * i] - 2 - 1e-6).toBe(true);
  });

  it("skips points with no position", () => {
    const holes = new Float32Array([0, 0, Number.NaN, Number.NaN, 1, 1]);
    const small = api.buildPointIndex(holes, 3);
    expect(api.pointsInRect(small, -10, -10, 10, 10)).toEqual([0, 2]);
  });
});
