import { describe, expect, it } from "vitest";
import type { Engine, Matrix } from "../../core/engine.js";
import { blendSequences, padTokenRow, tokenIdf } from "./seed-blend.js";

/** Rows of a 2-column matrix. */
const matrix = (rows: number[][]): Matrix => ({ data: Float32Array.from(rows.flat()), rows: rows.length, cols: 2 });
const rowsOf = (m: Matrix) => Array.from({ length: m.rows }, (_, r) => [...m.data.subarray(r * m.cols, (r + 1) * m.cols)]);

describe("blendSequences", () => {
  const a = matrix([[2, 0], [0, 2]]);
  const b = matrix([[4, 4], [0, 0], [6, 2]]);

  it("unit weights: the row-wise average, token rows at their own scale; zero padding halves the longer one's tail", () => {
    expect(rowsOf(blendSequences(a, b, { weights: "unit", padding: "zero" }))).toEqual([[3, 2], [0, 1], [3, 1]]);
  });

  it("uniform weights shrink each sequence by its length (eq. 2's mean)", () => {
    const rows = rowsOf(blendSequences(a, b, { weights: "uniform", padding: "zero" }));
    expect(rows[0][0]).toBeCloseTo(2 / 4 + 4 / 6, 6);
    expect(rows[2][0]).toBeCloseTo(6 / 6, 6);
  });

  it("pad-token padding fills the shorter sequence with the pad row", () => {
    const rows = rowsOf(blendSequences(a, b, { weights: "unit", padding: "pad-token", padRow: Float32Array.from([10, -10]) }));
    expect(rows[2]).toEqual([8, -4]);
  });

  it("idf weights: rare tokens louder, each sequence's weights averaging 1", async () => {
    // Tokens are told apart by their rows; row [2, 0] is in every text, [0, 2] in one.
    const engine = { inputEmbed: async (text: string) => (text === "rare" ? matrix([[2, 0], [0, 2]]) : matrix([[2, 0]])) } as unknown as Engine;
    const idf = await tokenIdf(engine, ["rare", "common", "common", "common"]);
    const blended = rowsOf(blendSequences(a, matrix([[0, 0], [0, 0]]), { weights: "idf", padding: "zero", idf }));
    const common = Math.log(5 / 5) + 1;
    const rare = Math.log(5 / 2) + 1;
    const mean = (common + rare) / 2;
    expect(blended[0][0]).toBeCloseTo((2 * common) / mean / 2, 5);
    expect(blended[1][1]).toBeCloseTo((2 * rare) / mean / 2, 5);
    expect(blended[1][1]).toBeGreaterThan(blended[0][0]);
  });
});

describe("padTokenRow", () => {
  it("is undefined for a student that is not a local GGUF", async () => {
    expect(await padTokenRow({ kind: "openai", model: "m" } as Engine)).toBeUndefined();
  });
});
