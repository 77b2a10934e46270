import { describe, expect, it } from "vitest";
import { placeByNearestNeighbours } from "./nearest-placement.js";

describe("placeByNearestNeighbours", () => {
  // Four training embeddings on a line in 3-D, mapped to the corners of a unit square.
  const train = { data: Float32Array.from([0, 0, 0, 1, 0, 0, 10, 0, 0, 11, 0, 0]), rows: 4, cols: 3 };
  const points = { data: Float32Array.from([0, 0, 0, 1, 5, 5, 5, 6]), rows: 4, cols: 2 };
  const queries = (values: number[]) => ({ data: Float32Array.from(values), rows: values.length / 3, cols: 3 });

  it("puts a training embedding on its own point with k = 1", () => {
    const placed = placeByNearestNeighbours(train, points, train, 1);
    expect([...placed]).toEqual([...points.data]);
  });

  it("averages the map positions of the k nearest embeddings", () => {
    const placed = placeByNearestNeighbours(train, points, queries([0.2, 0, 0, 10.9, 1, 0]), 2);
    expect([...placed]).toEqual([0, 0.5, 5, 5.5]);
    // k above the training rows uses them all.
    expect([...placeByNearestNeighbours(train, points, queries([0, 0, 0]), 9)]).toEqual([2.5, 3]);
  });

  it("rejects mismatched shapes and bad k", () => {
    expect(() => placeByNearestNeighbours(train, { ...points, rows: 3, data: points.data.subarray(0, 6) }, train, 1)).toThrow(/4 training embeddings but 3 map points/);
    expect(() => placeByNearestNeighbours(train, points, { data: new Float32Array(4), rows: 1, cols: 3 }, 1)).toThrow(/values/);
    expect(() => placeByNearestNeighbours(train, points, { data: new Float32Array(2), rows: 1, cols: 2 }, 1)).toThrow(/2 dims/);
    expect(() => placeByNearestNeighbours(train, points, train, 0)).toThrow(/positive integer/);
  });
});
