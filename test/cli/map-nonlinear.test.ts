import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

const WORD_PROBLEMS = new URL("../../examples/word-problems.jsonl", import.meta.url).pathname;
/**
 * UMAP and t-SNE cost grows faster than the rows: the first 200 word problems keep every
 * property asserted here (a 2-D spread, sparse cells with pairs, exact repeats) at about half
 * the time of all 400.
 */
const ROWS = 200;
let EXAMPLE: string;

/** Reads points.f32 past its header as raw bytes, for exact comparison between runs. */
async function pointBytes(run: string): Promise<Buffer> {
  return readFile(join(run, "points.f32"));
}

describe("gapfill map --reducer umap|tsne", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-map-nonlinear-"));
    EXAMPLE = join(dir, "word-problems-200.jsonl");
    const lines = (await readFile(WORD_PROBLEMS, "utf8")).trim().split("\n");
    await writeFile(EXAMPLE, lines.slice(0, ROWS).join("\n") + "\n");
  });

  for (const reducer of ["umap", "tsne"] as const) {
    it(`maps ${ROWS} word problems with ${reducer}, says midpoints do not hold, and repeats exactly`, async () => {
      const run = join(dir, `${reducer}-a`);
      const result = await runCli(["map", EXAMPLE, "--reducer", reducer, "--run", run, "--json", "--quiet", "--pairs", "6"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.reducer).toBe(reducer);
      expect(summary.rows).toBe(ROWS);
      expect(summary.reducerNote).toMatch(/midpoint .* does not map to the midpoint/);
      const map = JSON.parse(await readFile(join(run, "map.json"), "utf8"));
      expect(map.reducer.placement).toBe("nearest-neighbours");
      expect(map.reducer.model.components).toEqual([]);
      expect(map.reducer.preprocessing).toBe("PCA 64 → 50 dims");
      expect(Object.keys(map.reducer.parameters)).toContain("neighbours");
      // A real 2-D spread, not a collapsed map.
      expect(map.grid.max[0] - map.grid.min[0]).toBeGreaterThan(0);
      expect(map.grid.max[1] - map.grid.min[1]).toBeGreaterThan(0);
      expect(summary.nonEmptyCells).toBeGreaterThan(10);
      for (const cell of map.sparseCells) {
        expect(map.grid.counts[cell]).toBeGreaterThan(0);
        expect(map.grid.counts[cell]).toBeLessThan(map.threshold.value);
      }
      // Every sparse cell is a thin cell with data around it; UMAP's isolated islands have none.
      expect(summary.pairs.length).toBe(Math.min(6, map.pairs.length));
      const report = await readFile(join(run, "map.html"), "utf8");
      expect(report).toContain("nonlinear map");

      const again = join(dir, `${reducer}-b`);
      const second = await runCli(["map", EXAMPLE, "--reducer", reducer, "--run", again, "--json", "--quiet", "--pairs", "6"]);
      expect(second.code).toBe(0);
      expect((await pointBytes(again)).equals(await pointBytes(run))).toBe(true);
    });
  }

  it("draws seed pairs on a t-SNE map, midpoints included, from opposing sides of sparse cells", async () => {
    const run = join(dir, "tsne-grid");
    const result = await runCli(["map", EXAMPLE, "--reducer", "tsne", "--grid", "16x16", "--run", run, "--json", "--quiet", "--pairs", "5"]);
    expect(result.code).toBe(0);
    const map = JSON.parse(await readFile(join(run, "map.json"), "utf8"));
    expect(map.sparseCells.length).toBeGreaterThan(0);
    expect(map.pairs).toHaveLength(5);
    for (const pair of map.pairs) {
      const [a, b] = pair.seeds;
      expect(a.id).not.toBe(b.id);
      expect(a.side).not.toBe(b.side);
      pair.midpoint.forEach((m: number, d: number) => expect(m).toBeCloseTo((a.point[d] + b.point[d]) / 2, 5));
    }
  });

  it("maps to 3-D with t-SNE (octree)", async () => {
    const run = join(dir, "tsne-3d");
    const result = await runCli(["map", EXAMPLE, "--reducer", "tsne", "--dims", "3", "--run", run, "--json", "--quiet"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.dims).toBe(3);
    expect(summary.grid).toHaveLength(3);
  });

  it("refuses a set over t-SNE's row limit before embedding anything, pointing to pca", async () => {
    const big = join(dir, "big.jsonl");
    const lines: string[] = [];
    for (let i = 0; i < 20_001; i++) lines.push(JSON.stringify({ question: `How many apples are in box ${i}?`, answer: String(i) }));
    await writeFile(big, lines.join("\n") + "\n");
    const run = join(dir, "too-big");
    const result = await runCli(["map", big, "--reducer", "tsne", "--run", run, "--quiet"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--reducer tsne is for sets of at most 20,000 rows, this one has 20,001: use --reducer pca/);
    expect(existsSync(join(run, "embeddings.f32"))).toBe(false);
  });

  it("names the accepted reducers on a bad one", async () => {
    const result = await runCli(["map", EXAMPLE, "--reducer", "isomap", "--run", join(dir, "bad"), "--quiet"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--reducer/);
    expect(result.stderr).toMatch(/umap/);
    expect(result.stderr).toMatch(/tsne/);
  });
});
