import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeNpy } from "../../../test/support/vector-files.js";
import { openRegionSource } from "./embedding-source.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-embedding-source-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 9 rows × 2 of a .npy whose data starts at byte 128. */
function region(values: number[]) {
  const path = join(dir, `r${values.join("_").length}.npy`);
  writeNpy(path, values, 9, 2);
  return { path, offset: 128, rows: 9, cols: 2, element: "float32" as const };
}

const VALUES = Array.from({ length: 18 }, (_, i) => i / 2);

describe("openRegionSource", () => {
  it("loads a region under the limit whole, every block seen by the check once, in order", async () => {
    const seen: number[] = [];
    const source = await openRegionSource(region(VALUES), { blockRows: 4, check: (data, start) => seen.push(start, data.length) });
    expect([...(source.inMemory ?? [])]).toEqual(VALUES);
    expect(seen).toEqual([0, 8, 4, 8, 8, 2]);
  });

  it("streams a region over the limit, checking during the first whole pass only", async () => {
    const seen: number[] = [];
    const source = await openRegionSource(region(VALUES), { inMemoryLimitBytes: 0, blockRows: 4, check: (_, start) => seen.push(start) });
    expect(source.inMemory).toBeUndefined();
    for (let pass = 0; pass < 2; pass++) {
      const values: number[] = [];
      for await (const block of source.blocks()) values.push(...block.data);
      expect(values).toEqual(VALUES);
    }
    expect(seen).toEqual([0, 4, 8]);
  });

  it("stops a load at the block the check refuses", async () => {
    const bad = region(VALUES.map((v, i) => (i === 11 ? Number.NaN : v)));
    const refuse = (data: Float32Array, start: number) => {
      data.forEach((value, i) => {
        if (Number.isNaN(value)) throw new Error(`NaN in row ${start + Math.floor(i / 2)}`);
      });
    };
    await expect(openRegionSource(bad, { blockRows: 2, check: refuse })).rejects.toThrow("NaN in row 5");
  });
});
