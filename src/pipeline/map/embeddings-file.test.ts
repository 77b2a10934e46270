import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GapfillError, InputError, OptionError } from "../../core/errors.js";
import { writeFloat32Matrix } from "../../store/float32-matrix.js";
import { writeNpy, writeRawF32, writeVectorParquet } from "../../../test/support/vector-files.js";
import { regionRowBlocks } from "../../store/float-region.js";
import { checkFiniteRows, embeddingsDigest, type EmbeddingsLayout, readEmbeddingsLayout, shapeOf } from "./embeddings-file.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-embeddings-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

/** 5 rows × 3 dims: row r holds r, r + 0.5, -r. */
const ROWS = 5;
const COLS = 3;
const VALUES = Float32Array.from({ length: ROWS * COLS }, (_, i) => [Math.floor(i / 3), Math.floor(i / 3) + 0.5, -Math.floor(i / 3)][i % 3]);

async function loadedValues(layout: EmbeddingsLayout): Promise<number[]> {
  if (layout.format === "parquet") throw new Error("a region layout was expected");
  const values: number[] = [];
  for await (const block of regionRowBlocks(layout.region, 2)) values.push(...block.data);
  return values;
}

async function refusal(work: Promise<unknown>): Promise<GapfillError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof GapfillError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("readEmbeddingsLayout", () => {
  it("reads float32 .npy in place and converts <f8 and <f2, all to the same values", async () => {
    for (const descr of ["<f4", "<f8", "<f2"]) {
      const path = file(`vectors${descr.slice(1)}.npy`);
      writeNpy(path, VALUES, ROWS, COLS, { descr });
      const layout = await readEmbeddingsLayout({ path }, ROWS, "data.jsonl");
      expect(layout).toMatchObject({ format: "npy", dtype: descr, region: { offset: 128, rows: ROWS, cols: COLS } });
      expect(await loadedValues(layout)).toEqual([...VALUES]);
    }
  });

  it("reads a raw .f32 by its dims, or with one row per dataset row when none are given, and a gapfill matrix by its header", async () => {
    const raw = file("raw.f32");
    writeRawF32(raw, VALUES);
    const inferred = await readEmbeddingsLayout({ path: raw }, ROWS, "data.jsonl");
    expect(inferred).toMatchObject({ format: "f32", inferredDims: true, region: { offset: 0, rows: ROWS, cols: COLS } });
    expect(await loadedValues(inferred)).toEqual([...VALUES]);
    expect(shapeOf(await readEmbeddingsLayout({ path: raw, dims: 3 }, ROWS, "data.jsonl"))).toEqual({ rows: ROWS, cols: COLS });
    const matrix = file("run-embeddings.f32");
    await writeFloat32Matrix(matrix, { data: VALUES, rows: ROWS, cols: COLS });
    const gapfill = await readEmbeddingsLayout({ path: matrix }, ROWS, "data.jsonl");
    expect(gapfill).toMatchObject({ format: "gapfill-f32", region: { offset: 32, rows: ROWS, cols: COLS } });
    expect(await loadedValues(gapfill)).toEqual([...VALUES]);
  });

  it("finds the only list-of-float column of a Parquet file, and asks for one among several", async () => {
    const rows = Array.from({ length: ROWS }, (_, r) => VALUES.subarray(r * COLS, (r + 1) * COLS));
    const one = file("one.parquet");
    writeVectorParquet(one, [{ name: "embedding", rows }], [{ name: "id", values: rows.map((_, r) => `q${r}`) }], 2);
    const layout = await readEmbeddingsLayout({ path: one }, ROWS, "data.jsonl");
    expect(layout).toMatchObject({ format: "parquet", dtype: "list<float>", parquet: { column: "embedding", rows: ROWS, cols: COLS, groups: [2, 2, 1] } });
    const two = file("two.parquet");
    writeVectorParquet(two, [{ name: "a", rows }, { name: "b", element: "DOUBLE", rows }]);
    const ambiguous = await refusal(readEmbeddingsLayout({ path: two }, ROWS, "data.jsonl"));
    expect(ambiguous).toBeInstanceOf(OptionError);
    expect(ambiguous.message).toBe(`embeddingColumn must name the vector column of ${two}: it has 2 (a, b)`);
    expect(await readEmbeddingsLayout({ path: two, column: "b" }, ROWS, "data.jsonl")).toMatchObject({ dtype: "list<double>", parquet: { column: "b" } });
    const text = await refusal(readEmbeddingsLayout({ path: one, column: "id" }, ROWS, "data.jsonl"));
    expect(text.message).toBe(`embeddingColumn id: in ${one} it is not a list of float or double; vector columns there: embedding`);
  });

  it("refuses a wrong row count or dims with one error naming the file and both numbers", async () => {
    const path = file("rows.npy");
    writeNpy(path, VALUES, ROWS, COLS);
    const rows = await refusal(readEmbeddingsLayout({ path }, 7, "data.jsonl"));
    expect(rows.message).toBe(`${path} holds 5 vectors and data.jsonl has 7 rows: the vectors must be row-aligned with the dataset (vector i embeds row i, in the dataset's order)`);
    expect((rows as InputError).file).toBe(path);
    const dims = await refusal(readEmbeddingsLayout({ path, dims: 4 }, ROWS, "data.jsonl"));
    expect(dims.message).toBe(`${path} holds vectors of 3 dims, embeddingDims says 4`);
    const empty = file("zero.npy");
    writeNpy(empty, [], ROWS, 0);
    expect((await refusal(readEmbeddingsLayout({ path: empty }, ROWS, "data.jsonl"))).message).toBe(`${empty} holds vectors of 0 dims: there is nothing to map`);
    const raw = file("odd.f32");
    writeRawF32(raw, VALUES);
    expect((await refusal(readEmbeddingsLayout({ path: raw }, 4, "data.jsonl"))).message).toMatch(/holds 15 float32 values, not 4 rows \(the dataset's\) of a whole number of dims/);
    expect((await refusal(readEmbeddingsLayout({ path: raw, dims: 5 }, ROWS, "data.jsonl"))).message).toBe(`${raw} holds 3 vectors and data.jsonl has 5 rows: the vectors must be row-aligned with the dataset (vector i embeds row i, in the dataset's order)`);
  });

  it("refuses .npy files it cannot read as rows of floats, saying what was found and what is needed", async () => {
    const path = file("bad.npy");
    writeNpy(path, [1, 2, 3, 4], 2, 2, { descr: "<i4" });
    expect((await refusal(readEmbeddingsLayout({ path }, 2, "d"))).message).toBe(
      `${path} holds <i4 values; gapfill reads float32 ('<f4', and converts '<f8' and '<f2'): save it with np.save(path, vectors.astype(np.float32))`,
    );
    writeNpy(path, [1, 2, 3, 4], 2, 2, { descr: ">f4" });
    expect((await refusal(readEmbeddingsLayout({ path }, 2, "d"))).code).toBe("npy-dtype");
    writeNpy(path, [1, 2, 3, 4], 2, 2, { fortranOrder: true });
    expect((await refusal(readEmbeddingsLayout({ path }, 2, "d"))).message).toBe(
      `${path} is stored in Fortran (column) order; gapfill reads rows in C order: save it with np.save(path, np.ascontiguousarray(vectors))`,
    );
    writeNpy(path, [1, 2, 3, 4], 4, 1, { shape: [4] });
    expect((await refusal(readEmbeddingsLayout({ path }, 4, "d"))).message).toBe(`${path} holds a 1-D array of shape (4); the vectors must be a 2-D array (rows, dims)`);
    writeNpy(path, [1, 2, 3], 2, 2);
    expect((await refusal(readEmbeddingsLayout({ path }, 2, "d"))).message).toBe(`${path} is 140 bytes; its header (shape (2, 2), <f4) needs 144: the file is cut short`);
  });

  it("checks content against the extension, and names the formats for an unknown one", async () => {
    const npyNamedF32 = file("numpy.f32");
    writeNpy(npyNamedF32, VALUES, ROWS, COLS);
    expect((await refusal(readEmbeddingsLayout({ path: npyNamedF32 }, ROWS, "d"))).message).toBe(`${npyNamedF32} is a .npy file (it starts with numpy's magic): name it .npy`);
    const csv = file("vectors.csv");
    writeFileSync(csv, "1,2,3\n");
    const unknown = await refusal(readEmbeddingsLayout({ path: csv }, 1, "d"));
    expect(unknown).toBeInstanceOf(OptionError);
    expect((unknown as OptionError).option).toBe("embeddings");
    const notParquet = file("fake.parquet");
    writeFileSync(notParquet, "hello");
    expect((await refusal(readEmbeddingsLayout({ path: notParquet }, 1, "d"))).code).toBe("embeddings-format");
    expect((await refusal(readEmbeddingsLayout({ path: file("absent.npy") }, 1, "d"))).message).toBe(`${file("absent.npy")}: no such file (given as embeddings)`);
    expect((await refusal(readEmbeddingsLayout({ path: npyNamedF32, column: "x" }, ROWS, "d"))).message).toBe(`embeddingColumn names a column of a .parquet file; ${npyNamedF32} is not one`);
  });
});

describe("embeddingsDigest and checkFiniteRows", () => {
  it("digests a small file whole (size, header, vectors) and a big one by 64 spread pieces, each of which changes it", async () => {
    const { createHash } = await import("node:crypto");
    const { readFileSync } = await import("node:fs");
    const small = file("digest-small.npy");
    writeNpy(small, VALUES, ROWS, COLS);
    const smallDigest = await embeddingsDigest(await readEmbeddingsLayout({ path: small }, ROWS, "d"), small);
    const bytes = readFileSync(small);
    expect(smallDigest).toEqual({ algorithm: "sha256-sampled", value: createHash("sha256").update(`${bytes.length}\n`).update(bytes).digest("hex") });
    // 600 rows × 2048 dims = 4.9 MB of vectors, over the 4 MiB read whole.
    const rows = 600;
    const cols = 2048;
    const big = file("digest-big.f32");
    const values = new Float32Array(rows * cols);
    writeRawF32(big, values);
    const layout = await readEmbeddingsLayout({ path: big, dims: cols }, rows, "d");
    const before = await embeddingsDigest(layout, big);
    values[0] = 1; // the first piece starts at the first value
    writeRawF32(big, values);
    const first = await embeddingsDigest(layout, big);
    expect(first.value).not.toBe(before.value);
    values[rows * cols - 1] = 1; // the last piece ends at the last value
    writeRawF32(big, values);
    expect((await embeddingsDigest(layout, big)).value).not.toBe(first.value);
    const parquet = file("digest.parquet");
    writeVectorParquet(parquet, [{ name: "v", rows: [[1, 2], [3, 4]] }]);
    const whole = await embeddingsDigest(await readEmbeddingsLayout({ path: parquet }, 2, "d"), parquet);
    expect(whole).toEqual({ algorithm: "sha256", value: createHash("sha256").update(readFileSync(parquet)).digest("hex") });
  });

  it("names the row and position of a NaN or an Inf, counting rows from the block's start row", () => {
    const values = Float32Array.from(VALUES);
    expect(() => checkFiniteRows("v.npy", values, 0, COLS)).not.toThrow();
    values[3 * COLS + 1] = Number.NaN;
    expect(() => checkFiniteRows("v.npy", values, 100, COLS)).toThrow("v.npy: row 103 (0-based) holds NaN at position 1: every vector must be finite (NaN/Inf would make the map meaningless)");
    values[3 * COLS + 1] = 0;
    values[4 * COLS + 2] = -Infinity;
    expect(() => checkFiniteRows("v.npy", values, 0, COLS)).toThrow(/row 4 \(0-based\) holds -Infinity at position 2/);
    // A length not a multiple of 4 has its tail checked too.
    expect(() => checkFiniteRows("v.npy", Float32Array.of(0, 0, 0, 0, Infinity), 0, 1)).toThrow(/row 4 \(0-based\) holds Infinity/);
  });
});
