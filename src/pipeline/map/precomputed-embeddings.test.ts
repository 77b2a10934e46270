import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GapfillError, OptionError } from "../../core/errors.js";
import type { ProgressEvent } from "../../core/events.js";
import { readFloat32Matrix } from "../../store/float32-matrix.js";
import { openRun } from "../../store/run.js";
import { writeNpy, writeRawF32, writeVectorParquet } from "../../../test/support/vector-files.js";
import { mapDataset, type MapOptions, type MapResult } from "./map-dataset.js";
import { placeOnMap } from "./place-on-map.js";

const DATASET = new URL("../../../examples/word-problems.jsonl", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "gapfill-precomputed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => join(dir, name);

async function mapInto(name: string, options: MapOptions): Promise<MapResult & { events: ProgressEvent[] }> {
  const events: ProgressEvent[] = [];
  const run = await openRun(join(dir, name), { command: "map" });
  try {
    return { ...(await mapDataset(DATASET, run, { knn: 0, pairs: 3, seed: 2, onEvent: (event) => events.push(event), ...options })), events };
  } finally {
    run.close();
  }
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

/** The lexical map of the 400 word problems, and its own vectors, written as each format. */
let lexical: MapResult;
let vectors: { data: Float32Array; rows: number; cols: number };

beforeAll(async () => {
  lexical = await mapInto("lexical", {});
  vectors = await readFloat32Matrix(join(dir, "lexical", "embeddings.f32"));
  writeNpy(file("lexical.npy"), vectors.data, vectors.rows, vectors.cols);
  writeRawF32(file("lexical.f32"), vectors.data);
  const rows = Array.from({ length: vectors.rows }, (_, r) => vectors.data.subarray(r * vectors.cols, (r + 1) * vectors.cols));
  writeVectorParquet(file("lexical.parquet"), [{ name: "vector", rows }], [], 128);
});

describe("mapDataset with embeddings made elsewhere", () => {
  it("draws exactly the lexical map from the lexical embedder's own vectors, in every format", async () => {
    for (const name of ["lexical.npy", "lexical.f32", "lexical.parquet", join("lexical", "embeddings.f32")]) {
      const result = await mapInto(`from-${name.replace(/\W/g, "-")}`, { embeddings: file(name), embedderName: "tfidf-svd" });
      expect(result.points).toEqual(lexical.points);
      expect(result.artifact.pairs).toEqual(lexical.artifact.pairs);
      expect(result.artifact.sparseCells).toEqual(lexical.artifact.sparseCells);
      expect(result.artifact.embeddingDims).toBe(vectors.cols);
    }
  });

  it("streams a file over the in-memory limit from its offset and draws the same map", async () => {
    const streamed = await mapInto("streamed", { embeddings: file("lexical.npy"), embedderName: "tfidf-svd", inMemoryLimitBytes: 0 });
    expect(streamed.points).toHaveLength(lexical.points.length);
    for (let i = 0; i < lexical.points.length; i++) expect(streamed.points[i]).toBeCloseTo(lexical.points[i], 3);
    expect(streamed.artifact.sparseCells).toEqual(lexical.artifact.sparseCells);
  });

  it("says whose vectors they are in map.json, with the file's digest, and warns once when they have no name", async () => {
    const named = await mapInto("named", { embeddings: file("lexical.npy"), embedderName: "BAAI/bge-m3" });
    expect(named.artifact.embedder).toMatchObject({
      kind: "precomputed",
      name: "BAAI/bge-m3",
      studentView: false,
      label: `precomputed vectors BAAI/bge-m3 from ${file("lexical.npy")} (made outside gapfill)`,
      file: { path: file("lexical.npy"), format: "npy", dtype: "<f4" },
    });
    expect(named.artifact.embedder.file?.digest).toMatchObject({ algorithm: "sha256-sampled", value: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(named.events.filter((event) => event.type === "warning" && /no name/.test(event.message))).toEqual([]);
    const unnamed = await mapInto("unnamed", { embeddings: file("lexical.npy") });
    expect(unnamed.artifact.embedder.label).toBe(`unnamed vectors from ${file("lexical.npy")} (made outside gapfill)`);
    const warnings = unnamed.events.filter((event) => event.type === "warning" && /no name/.test(event.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ try: [{ option: "embedderName", value: "MODEL" }] });
  });

  it("reads the file once per pass: a NaN is found as the map loads or first streams it, named by its row", async () => {
    const path = file("nan.npy");
    writeNpy(path, Float32Array.from(vectors.data, (v, i) => (i === 321 * vectors.cols + 5 ? Number.NaN : v)), vectors.rows, vectors.cols);
    for (const inMemoryLimitBytes of [undefined, 0]) {
      const error = await refusal(mapInto(`nan-${inMemoryLimitBytes}`, { embeddings: path, embedderName: "m", inMemoryLimitBytes }));
      expect(error.message).toBe(`${path}: row 321 (0-based) holds NaN at position 5: every vector must be finite (NaN/Inf would make the map meaningless)`);
    }
  });

  it("keeps the file's digest as the embed stage's identity: a touched file goes on, a changed one is refused", async () => {
    const path = file("rerun.npy");
    writeNpy(path, vectors.data, vectors.rows, vectors.cols);
    const first = await mapInto("rerun", { embeddings: path, embedderName: "m" });
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const touched = await mapInto("rerun", { embeddings: path, embedderName: "m" });
    expect(touched.artifact.embedder.file?.digest).toEqual(first.artifact.embedder.file?.digest);
    expect(touched.artifact.embedder.file?.modified).not.toBe(first.artifact.embedder.file?.modified);
    expect(touched.points).toEqual(first.points);
    const other = Float32Array.from(vectors.data, (v, i) => (i === 0 ? v + 1 : v));
    writeNpy(path, other, vectors.rows, vectors.cols);
    const changed = await refusal(mapInto("rerun", { embeddings: path, embedderName: "m" }));
    expect(changed.code).toBe("run-params-changed");
    expect(changed.message).toMatch(/stage "embed" was run with different settings \(digest: "[0-9a-f]{64}" → "[0-9a-f]{64}"\)/);
  });

  it("refuses vectors of other dims than the run's map before anything else, naming both numbers", async () => {
    const narrow = file("narrow.npy");
    writeNpy(narrow, vectors.data.subarray(0, vectors.rows * 4), vectors.rows, 4);
    const error = await refusal(mapInto("lexical", { embeddings: narrow }));
    expect(error.message).toBe(`${narrow} holds vectors of 4 dims; the map in ${join(dir, "lexical")} was made from vectors of ${vectors.cols} dims: map these into a new run directory`);
  });

  it("names the row of a missing or non-finite vector in a Parquet column", async () => {
    const rows: Array<Float32Array | null> = Array.from({ length: vectors.rows }, (_, r) => vectors.data.subarray(r * vectors.cols, (r + 1) * vectors.cols));
    rows[7] = null;
    writeVectorParquet(file("null.parquet"), [{ name: "vector", rows }]);
    expect((await refusal(mapInto("null", { embeddings: file("null.parquet") }))).message).toBe(`${file("null.parquet")}: row 7 (0-based) of column vector holds no vector (null), not a list of numbers`);
    rows[7] = Float32Array.from(vectors.data.subarray(0, vectors.cols), (v, c) => (c === 2 ? Infinity : v));
    writeVectorParquet(file("inf.parquet"), [{ name: "vector", rows }]);
    expect((await refusal(mapInto("inf", { embeddings: file("inf.parquet") }))).message).toMatch(/row 7 \(0-based\) holds Infinity at position 2/);
  });

  it("refuses options that only make sense together, by their library names", async () => {
    expect(((await refusal(mapInto("options", { embedderName: "m" }))) as OptionError).option).toBe("embedderName");
    expect(((await refusal(mapInto("options", { embeddingDims: 0, embeddings: file("lexical.f32") }))) as OptionError).option).toBe("embeddingDims");
    expect(((await refusal(mapInto("options", { embeddings: file("lexical.npy"), embedding: "mean" }))) as OptionError).option).toBe("embedding");
  });

  it("cannot place new texts on a map of precomputed vectors, and says why", async () => {
    const error = await refusal(placeOnMap(join(dir, "named"), ["How many apples?"], {}));
    expect(error.code).toBe("map-precomputed");
    expect(error.message).toMatch(/was made from precomputed vectors BAAI\/bge-m3 from .* gapfill cannot embed new texts into that space/);
  });
});
