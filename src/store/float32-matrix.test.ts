import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FLOAT32_MATRIX_HEADER_BYTES,
  float32MatrixShape,
  float32RowBlocks,
  openFloat32MatrixAppender,
  readFloat32Matrix,
  readFloat32Rows,
  writeFloat32Matrix,
} from "./float32-matrix.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gapfill-matrix-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Row r, column c holds r * 1000 + c: any misplaced value shows. */
function rowsFrom(start: number, rows: number, cols: number): Float32Array {
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = (start + r) * 1000 + c;
  return data;
}

describe("writeFloat32Matrix / readFloat32Matrix", () => {
  it("round-trips a matrix exactly, including special values", async () => {
    const path = join(dir, "points.f32");
    const data = rowsFrom(0, 7, 3);
    data[4] = -0.1;
    data[5] = Number.NaN;
    data[6] = Number.POSITIVE_INFINITY;
    await writeFloat32Matrix(path, { data, rows: 7, cols: 3 });
    const back = await readFloat32Matrix(path);
    expect(back.rows).toBe(7);
    expect(back.cols).toBe(3);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect(statSync(path).size).toBe(FLOAT32_MATRIX_HEADER_BYTES + 7 * 3 * 4);
    expect(readdirSync(dir)).toEqual(["points.f32"]);
  });

  it("round-trips an empty matrix and a subarray view", async () => {
    const path = join(dir, "m.f32");
    await writeFloat32Matrix(path, { data: new Float32Array(0), rows: 0, cols: 5 });
    expect(await readFloat32Matrix(path)).toEqual({ data: new Float32Array(0), rows: 0, cols: 5 });
    const view = rowsFrom(0, 4, 2).subarray(2, 6); // rows 1 and 2, not at buffer offset 0
    await writeFloat32Matrix(path, { data: view, rows: 2, cols: 2 });
    expect(Array.from((await readFloat32Matrix(path)).data)).toEqual([1000, 1001, 2000, 2001]);
  });

  it("rejects a shape that does not match the data", async () => {
    await expect(writeFloat32Matrix(join(dir, "m.f32"), { data: new Float32Array(5), rows: 2, cols: 3 })).rejects.toThrow(
      "data has 5 values, rows × cols = 2 × 3 = 6",
    );
  });

  it("detects a truncated sealed file and a file that is not a matrix", async () => {
    const path = join(dir, "m.f32");
    await writeFloat32Matrix(path, { data: rowsFrom(0, 4, 2), rows: 4, cols: 2 });
    truncateSync(path, FLOAT32_MATRIX_HEADER_BYTES + 3 * 2 * 4 + 2);
    await expect(readFloat32Matrix(path)).rejects.toThrow(`${path} is truncated: header says 4 rows of 2, file holds 3`);
    writeFileSync(path, "not a matrix at all, just some text");
    await expect(readFloat32Matrix(path)).rejects.toThrow("is not a gapfill float32 matrix");
  });

  it("reads row ranges and streams blocks", async () => {
    const path = join(dir, "m.f32");
    await writeFloat32Matrix(path, { data: rowsFrom(0, 10, 3), rows: 10, cols: 3 });
    expect(Array.from(await readFloat32Rows(path, 8, 2))).toEqual(Array.from(rowsFrom(8, 2, 3)));
    await expect(readFloat32Rows(path, 9, 2)).rejects.toThrow("rows [9, 11) out of range (file holds 10)");
    await expect(readFloat32Rows(path, 9, 2)).rejects.toMatchObject({ code: "matrix-rows-missing", userFixable: true });
    const blocks = [];
    for await (const block of float32RowBlocks(path, 4)) blocks.push([block.start, block.rows, block.data[0]]);
    expect(blocks).toEqual([
      [0, 4, 0],
      [4, 4, 4000],
      [8, 2, 8000],
    ]);
  });
});

describe("openFloat32MatrixAppender", () => {
  it("appends blocks, resumes after close, and seals with the row count", async () => {
    const path = join(dir, "embeddings.f32");
    const first = await openFloat32MatrixAppender(path, 4);
    expect(first.rows).toBe(0);
    await first.append(rowsFrom(0, 3, 4));
    await first.append(rowsFrom(3, 2, 4));
    expect(first.rows).toBe(5);
    await first.close();
    expect(await float32MatrixShape(path)).toEqual({ rows: 5, cols: 4, sealed: false });

    const second = await openFloat32MatrixAppender(path, 4);
    expect(second.rows).toBe(5);
    await second.append(rowsFrom(5, 1, 4));
    await second.seal();
    expect(await float32MatrixShape(path)).toEqual({ rows: 6, cols: 4, sealed: true });
    expect(Array.from((await readFloat32Matrix(path)).data)).toEqual(Array.from(rowsFrom(0, 6, 4)));
    await expect(second.append(rowsFrom(6, 1, 4))).rejects.toThrow("is closed");
  });

  it("after a torn last block, counts only whole rows and continues from there", async () => {
    const path = join(dir, "embeddings.f32");
    const appender = await openFloat32MatrixAppender(path, 3);
    await appender.append(rowsFrom(0, 4, 3));
    await appender.close();
    // A crash in the middle of writing row 4: the row is only partly on disk.
    const rowBytes = 3 * 4;
    const appendedTorn = new Float32Array(rowsFrom(4, 1, 3));
    const full = statSync(path).size;
    writeFileSync(path, Buffer.from(appendedTorn.buffer), { flag: "a" });
    truncateSync(path, full + rowBytes - 5);

    expect((await float32MatrixShape(path)).rows).toBe(4);
    expect((await readFloat32Matrix(path)).rows).toBe(4);
    const resumed = await openFloat32MatrixAppender(path, 3);
    expect(resumed.rows).toBe(4);
    expect(statSync(path).size).toBe(FLOAT32_MATRIX_HEADER_BYTES + 4 * rowBytes); // torn bytes cut off
    await resumed.append(rowsFrom(4, 2, 3));
    await resumed.seal();
    expect(Array.from((await readFloat32Matrix(path)).data)).toEqual(Array.from(rowsFrom(0, 6, 3)));
  });

  it("restarts a file cut short inside its header, and rejects a column mismatch", async () => {
    const path = join(dir, "e.f32");
    writeFileSync(path, Buffer.from("GFMAT"));
    const appender = await openFloat32MatrixAppender(path, 2);
    expect(appender.rows).toBe(0);
    await appender.append(rowsFrom(0, 1, 2));
    await appender.close();
    await expect(openFloat32MatrixAppender(path, 3)).rejects.toThrow(`${path} has 2 columns, expected 3`);
  });

  it("truncates back to a row count recorded elsewhere and rejects ragged blocks", async () => {
    const path = join(dir, "e.f32");
    const appender = await openFloat32MatrixAppender(path, 2);
    await appender.append(rowsFrom(0, 5, 2));
    await appender.truncate(3);
    expect(appender.rows).toBe(3);
    await expect(appender.append(new Float32Array(3))).rejects.toThrow("block of 3 values is not a whole number of 2-column rows");
    await appender.append(rowsFrom(3, 1, 2));
    await appender.close();
    expect(Array.from((await readFloat32Matrix(path)).data)).toEqual(Array.from(rowsFrom(0, 4, 2)));
  });
});
