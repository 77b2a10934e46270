import { open } from "node:fs/promises";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { floatToHalf } from "../../test/support/vector-files.js";
import { halfToFloat, readRegionRows, regionRowBlocks, regionRowsAt } from "./float-region.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-region-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("halfToFloat", () => {
  it("decodes binary16 bit patterns with known values", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    for (const value of [0.5, -3.25, 1024, 6.103515625e-5]) expect(halfToFloat(floatToHalf(value))).toBe(value);
  });
});

describe("region reads", () => {
  it("reads chosen rows alone, in order and in blocks, float32 in place and float64 converted", async () => {
    const rows = 300, cols = 5;
    const values = Array.from({ length: rows * cols }, (_, i) => i / 4);
    const header = Buffer.from("header");
    const f32 = join(dir, "rows-at-f32.bin");
    writeFileSync(f32, Buffer.concat([header, Buffer.from(new Float32Array(values).buffer)]));
    const f64 = join(dir, "rows-at-f64.bin");
    writeFileSync(f64, Buffer.concat([header, Buffer.from(new Float64Array(values).buffer)]));
    const wanted = Uint32Array.from([0, 7, 8, 150, 151, 152, 298, 299]);
    for (const [path, element] of [[f32, "float32"], [f64, "float64"]] as const) {
      const got: number[] = [];
      const sizes: number[] = [];
      for await (const block of regionRowsAt({ path, offset: header.length, rows, cols, element }, wanted, 3, 2)) {
        got.push(...block.data);
        sizes.push(block.rows);
      }
      expect(sizes).toEqual([3, 3, 2]);
      expect(got).toEqual([...wanted].flatMap((row) => values.slice(row * cols, (row + 1) * cols)));
    }
    const outside = regionRowsAt({ path: f32, offset: header.length, rows, cols, element: "float32" }, Uint32Array.from([300]));
    await expect(outside.next()).rejects.toThrow(/row 300 is outside the 300 rows/);
  });

  it("reads rows at a byte offset, converting float64 and float16 to float32", async () => {
    const values = [1.5, -2, 3.25, 4, 5, 6];
    const header = Buffer.from("0123456789");
    const f64 = join(dir, "f64.bin");
    writeFileSync(f64, Buffer.concat([header, Buffer.from(new Float64Array(values).buffer)]));
    const f16 = join(dir, "f16.bin");
    writeFileSync(f16, Buffer.concat([header, Buffer.from(new Uint16Array(values.map(floatToHalf)).buffer)]));
    for (const [path, element] of [[f64, "float64"], [f16, "float16"]] as const) {
      const handle = await open(path, "r");
      try {
        const rows = await readRegionRows(handle, { path, offset: 10, rows: 3, cols: 2, element }, 1, 2);
        expect([...rows.data]).toEqual([3.25, 4, 5, 6]);
      } finally {
        await handle.close();
      }
    }
  });

  it("streams float32 rows in blocks from an offset, and says where a short file ends", async () => {
    const path = join(dir, "f32.bin");
    writeFileSync(path, Buffer.concat([Buffer.alloc(64), Buffer.from(Float32Array.from({ length: 10 }, (_, i) => i).buffer)]));
    const blocks = [];
    for await (const block of regionRowBlocks({ path, offset: 64, rows: 5, cols: 2, element: "float32" }, 2)) blocks.push({ start: block.start, values: [...block.data] });
    expect(blocks).toEqual([
      { start: 0, values: [0, 1, 2, 3] },
      { start: 2, values: [4, 5, 6, 7] },
      { start: 4, values: [8, 9] },
    ]);
    const short = regionRowBlocks({ path, offset: 64, rows: 6, cols: 2, element: "float32" }, 4);
    await expect(async () => {
      for await (const _ of short) void _;
    }).rejects.toThrow(`${path} ends inside row 5 of 6: the file is cut short`);
  });
});
