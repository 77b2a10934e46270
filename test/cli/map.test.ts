import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium, nonBackgroundShare } from "../helpers/browser.js";
import { runCli } from "../helpers/run-cli.js";
import { sharedDataPath } from "../support/shared-data.js";

const GSM8K_TRAIN = sharedDataPath("gsm8k-train");
const EXAMPLE = new URL("../../examples/word-problems.jsonl", import.meta.url).pathname;

describe("gapfill map (lexical embedder)", () => {
  let dir: string;
  let run: string;
  let summary: any;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-map-"));
    run = join(dir, "gsm8k");
    // --knn 0: the kNN density check is O(n²) (about 20 of a 25-second map of 7,473 rows here) and
    // nothing below reads it; the maps of the 400 word problems (map-nonlinear, eval) run it.
    const result = await runCli(["map", GSM8K_TRAIN, "--run", run, "--json", "--quiet", "--pairs", "12", "--knn", "0"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    summary = JSON.parse(result.stdout);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("maps GSM8K train: sparse regions, seed pairs, labelled as not the student's view", async () => {
    expect(summary.rows).toBe(7473);
    expect(summary.embedder.studentView).toBe(false);
    expect(summary.embedder.label).toMatch(/not the student/);
    expect(summary.sparseCells).toBeGreaterThan(0);
    expect(summary.pairs).toHaveLength(12);
    const map = JSON.parse(await readFile(join(run, "map.json"), "utf8"));
    expect(map.ids).toHaveLength(7473);
    // Every pair's two seeds are distinct training examples, and the midpoint is their mean (PCA is linear).
    for (const pair of map.pairs) {
      const [a, b] = pair.seeds;
      expect(a.id).not.toBe(b.id);
      expect(map.ids[a.index]).toBe(a.id);
      pair.midpoint.forEach((m: number, d: number) => expect(m).toBeCloseTo((a.point[d] + b.point[d]) / 2, 5));
    }
    // The sparse cells hold fewer points than T and are never empty.
    for (const cell of map.sparseCells) {
      expect(map.grid.counts[cell]).toBeGreaterThan(0);
      expect(map.grid.counts[cell]).toBeLessThan(map.threshold.value);
    }
  });

  it("writes a map.html that shows the map in headless Chromium", async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(join(run, "map.html")).href);
    const shot = join(dir, "map.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(errors).toEqual([]);
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
    expect(await nonBackgroundShare(page, "#map")).toBeGreaterThan(0.05);
    expect(await page.locator("#regions tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#regions tbody").textContent()).toMatch(/\w{4,}/);
    // Beside it: the interactive view and the run's index, which links the pages that exist.
    await page.goto(pathToFileURL(join(run, "index.html")).href);
    expect(await page.locator("#pages a").allTextContents()).toEqual(["map", "map view"]);
    await page.goto(pathToFileURL(join(run, "map-view.html")).href);
    expect(errors).toEqual([]);
  });

  it("a second run reuses the embeddings and refuses changed embedding settings", async () => {
    const again = await runCli(["map", GSM8K_TRAIN, "--run", run, "--json", "--quiet", "--pairs", "12", "--knn", "0"]);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second.seconds.embed).toBeUndefined(); // nothing re-embedded
    expect(second.pairs).toEqual(summary.pairs); // deterministic
    const other = await runCli(["map", EXAMPLE, "--run", run, "--quiet"]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/different settings.*datasetDigest/);
  });

  it("maps in 3-D too", async () => {
    const result = await runCli(["map", EXAMPLE, "--run", join(dir, "three"), "--dims", "3", "--json", "--quiet"]);
    expect(result.code).toBe(0);
    const map = JSON.parse(await readFile(join(dir, "three", "map.json"), "utf8"));
    expect(map.grid.shape).toHaveLength(3);
    expect(map.pairs.every((pair: any) => pair.midpoint.length === 3)).toBe(true);
  });

  it("rejects bad flags with exit 2 and names the flag", async () => {
    for (const [flag, value] of [["--dims", "4"], ["--grid", "10"], ["--threshold", "-1"], ["--reducer", "magic"], ["--window", "2"]]) {
      const result = await runCli(["map", EXAMPLE, "--run", join(dir, "bad"), flag, value, "--quiet"]);
      expect(result.code, flag).toBe(2);
      expect(result.stderr, flag).toContain(flag);
    }
  });
});
