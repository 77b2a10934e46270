import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRun } from "../../store/run.js";
import { ArtifactError } from "../../store/json-artifact.js";
import { MAP_FILE, type MapArtifact, readMapArtifact } from "./map-artifact.js";
import { mapDataset } from "./map-dataset.js";
import { placeOnMap } from "./place-on-map.js";

const DATASET = new URL("../../../examples/word-problems.jsonl", import.meta.url).pathname;

let dir: string;
let mapDir: string;
let written: Record<string, unknown>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gapfill-map-artifact-"));
  mapDir = join(dir, "map");
  const run = await openRun(mapDir, { command: "map" });
  try {
    await mapDataset(DATASET, run, { knn: 5, pairs: 2, seed: 3 });
  } finally {
    run.close();
  }
  written = JSON.parse(readFileSync(join(mapDir, MAP_FILE), "utf8")) as Record<string, unknown>;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the map with `edit` applied, written as map.json of a fresh directory. */
function variant(name: string, edit: (map: Record<string, any>) => void): string {
  const copy = structuredClone(written) as Record<string, any>;
  edit(copy);
  const target = join(dir, name);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, MAP_FILE), JSON.stringify(copy));
  return target;
}

function failure(path: string): ArtifactError {
  try {
    readMapArtifact(path);
  } catch (error) {
    if (error instanceof ArtifactError) return error;
    throw error;
  }
  throw new Error(`${path} was read without an error`);
}

describe("readMapArtifact", () => {
  it("reads back what the map stage wrote, from the run directory or the file", () => {
    expect(written.version).toBe(3);
    const map = readMapArtifact(mapDir);
    expect(map).toEqual(written);
    expect(readMapArtifact(join(mapDir, MAP_FILE))).toEqual(map);
    expect(map.reducer.placement).toBe("projection");
    expect(map.knn?.k).toBe(5);
  });

  it("names the file and the field of a corrupted value", () => {
    const target = variant("bad-k", (map) => {
      map.reducer.model.k = "two";
    });
    const error = failure(target);
    expect(error.code).toBe("artifact-invalid");
    expect(error.file).toBe(join(target, MAP_FILE));
    expect(error.field).toBe("reducer.model.k");
    expect(error.message).toContain(`${join(target, MAP_FILE)}: field reducer.model.k: Expected number, received string`);
  });

  it("refuses parts that disagree: a lost id, a projection of the wrong width", () => {
    expect(failure(variant("lost-id", (map) => map.ids.pop())).field).toBe("ids");
    const error = failure(variant("short-components", (map) => map.reducer.model.components.pop()));
    expect(error.field).toBe("reducer.model.components");
    expect(error.message).toMatch(/expected \d+ numbers \(k × cols\)/);
  });

  it("migrates a version 1 map without placement (made before UMAP/t-SNE) and places texts on it", async () => {
    const old = variant("v1", (map) => {
      map.version = 1;
      delete map.reducer.placement;
    });
    // Placement reads the run's embeddings and its embed seed too: the old map keeps them.
    for (const file of ["embeddings.f32", "points.f32", "gapfill.db"]) writeFileSync(join(old, file), readFileSync(join(mapDir, file)));
    const map: MapArtifact = readMapArtifact(old);
    expect(map.version).toBe(3);
    expect(map.reducer.placement).toBe("projection");
    const questions = map.pairs[0].seeds.map((seed) => seed.question);
    const placement = await placeOnMap(old, questions, {});
    expect(placement.points[0]).toBeCloseTo(map.pairs[0].seeds[0].point[0], 3);

    const tsne = variant("v1-tsne", (map) => {
      map.version = 1;
      map.reducer.name = "tsne";
      map.reducer.model.components = [];
      delete map.reducer.placement;
    });
    expect(readMapArtifact(tsne).reducer.placement).toBe("nearest-neighbours");
  });

  it("migrates a version 2 map (pairs per region): each pair's window is the cell of its midpoint", () => {
    const old = variant("v2", (map) => {
      map.version = 2;
      delete map.windows;
      delete map.quality;
      for (const pair of map.pairs) {
        delete pair.window;
        delete pair.midpointInside;
      }
    });
    const map = readMapArtifact(old);
    expect(map.version).toBe(3);
    expect(map.pairs.length).toBeGreaterThan(0);
    for (const pair of map.pairs) {
      const window = map.windows[pair.window];
      expect(pair.midpoint.every((v, d) => v >= window.min[d] - 1e-9 && v <= window.max[d] + 1e-9)).toBe(true);
    }
    expect(map.quality.targets.pairs).toBe(map.pairs.length);
    expect(map.quality.warnings).toEqual([]);
  });

  it("refuses a map written by a newer gapfill, and a pair whose window is not stored", () => {
    const error = failure(variant("v4", (map) => (map.version = 4)));
    expect(error.code).toBe("artifact-too-new");
    expect(error.message).toMatch(/map\.json version 4 was written by a newer gapfill \(this one reads up to version 3\)/);
    expect(failure(variant("lost-window", (map) => (map.windows = []))).field).toBe("pairs.0.window");
  });

  it("says where no map is", () => {
    const empty = join(dir, "empty");
    mkdirSync(empty, { recursive: true });
    const error = failure(empty);
    expect(error.code).toBe("map-missing");
    expect(error.message).toBe(`${empty}: no map.json there (map a dataset into that run directory first)`);
  });
});
