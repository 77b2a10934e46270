import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import { createEngine } from "../../engines/create-engine.js";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";
import { openRun } from "../../store/index.js";
import { mapDataset, type MapResult } from "./map-dataset.js";
import { placeOnMap } from "./place-on-map.js";

const DATASET = new URL("../../../examples/word-problems.jsonl", import.meta.url).pathname;

let dir: string | undefined;
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function makeMap(student?: Engine): Promise<{ mapDir: string; result: MapResult }> {
  dir = mkdtempSync(join(tmpdir(), "gapfill-place-"));
  const mapDir = join(dir, "map");
  const run = await openRun(mapDir, { command: "map" });
  try {
    return { mapDir, result: await mapDataset(DATASET, run, { student, knn: 0, pairs: 2, seed: 3 }) };
  } finally {
    run.close();
  }
}

/** Training questions placed again must land on their own map points: same embedder, same reducer. */
function expectOnOwnPoints(points: Float64Array, result: MapResult, indices: number[], tolerance: number): void {
  const dims = result.artifact.reducer.dims;
  indices.forEach((index, i) => {
    for (let d = 0; d < dims; d++) expect(Math.abs(points[i * dims + d] - result.points[index * dims + d])).toBeLessThan(tolerance);
  });
}

describe("placeOnMap", () => {
  it("lexical map: refits on the map's dataset (seed from the run) and puts training questions on their own points", async () => {
    const { mapDir, result } = await makeMap();
    const indices = [0, 17, 123, 399];
    const placement = await placeOnMap(mapDir, indices.map((i) => result.examples[i].question), { embeddingsPath: join(dir!, "unused.f32") });
    expect(placement.notes).toEqual([]);
    expect(placement.method).toMatch(/^lexical TF-IDF \+ SVD fitted on the map's dataset/);
    expectOnOwnPoints(placement.points, result, indices, 1e-5);
  });

  it("student map: embeds with the same student and refuses another one", async () => {
    const server = await OpenAITestServer.start({ dimensions: 16 });
    closers.push(() => server.close());
    const student = await createEngine(`openai:emb@${server.baseUrl}`, { env: {} });
    closers.push(() => student.close());
    const { mapDir, result } = await makeMap(student);
    const indices = [5, 250];
    const placement = await placeOnMap(mapDir, indices.map((i) => result.examples[i].question), { student, embeddingsPath: join(dir!, "bench.f32") });
    expect(placement.method).toMatch(/^student openai:emb@.* \(pooled\)/);
    expectOnOwnPoints(placement.points, result, indices, 1e-4);

    const other = await createEngine(`openai:other@${server.baseUrl}`, { env: {} });
    closers.push(() => other.close());
    await expect(placeOnMap(mapDir, ["q"], { student: other, embeddingsPath: join(dir!, "other.f32") })).rejects.toThrow(/was made with the student openai:emb@/);
  });

  it("says when the directory has no map", async () => {
    dir = mkdtempSync(join(tmpdir(), "gapfill-place-"));
    await expect(placeOnMap(dir, ["q"], { embeddingsPath: join(dir, "x.f32") })).rejects.toThrow(/no map.json there/);
  });
});
