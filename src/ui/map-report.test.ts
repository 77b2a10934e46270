import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium, nonBackgroundShare } from "../../test/helpers/browser.js";
import { type MapReportData, renderMapReport } from "./map-report.js";

const hostile = `</script><img src=x onerror="window.__pwned=1">`;

function sampleData(): MapReportData {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 300; i++) {
    x.push((i % 2 ? 1 : -1) * (2 + Math.sin(i)));
    y.push(Math.cos(i * 1.7));
  }
  const nx = 6;
  const ny = 3;
  const counts = [0, 40, 2, 1, 40, 0, 0, 60, 3, 2, 60, 0, 0, 40, 0, 0, 40, 0];
  return {
    title: "gapfill map",
    dataset: "sample.jsonl",
    embedder: { label: "lexical TF-IDF + SVD", studentView: false },
    reducer: "pca",
    dims: 2,
    points: { x, y },
    grid: { nx, ny, x0: -3, y0: -1.5, cellWidth: 1, cellHeight: 1, counts },
    threshold: 5,
    thresholdRule: "auto",
    sparseCells: [
      { ix: 2, iy: 0, count: 2, region: 0 },
      { ix: 2, iy: 1, count: 3, region: 0 },
    ],
    regions: [{ id: 0, rank: 1, cells: 2, count: 5, density: 2.5, examples: [{ id: "a1", text: hostile }] }],
    pairs: [
      {
        region: 0,
        window: 0,
        box: [-1, -0.5, 0, 0.5],
        inside: true,
        a: { id: "a1", text: hostile, x: -0.5, y: 0, side: "left" },
        b: { id: "b2", text: "right side", x: 0.5, y: 0, side: "right" },
        mid: [0, 0],
      },
    ],
    histogram: { binWidth: 1, counts: [0, 2, 3, 1, 0, 0, 1] },
    windows: [{ rank: 1, points: 2, region: 0, pairs: 1 }],
    warnings: [`pca keeps 9% of the variance ${hostile}`],
    summary: [["rows", "300"]],
  };
}

describe("renderMapReport", () => {
  it("escapes dataset text everywhere it appears in the HTML", () => {
    const html = renderMapReport(sampleData());
    expect(html).not.toContain(hostile);
    expect(html.match(/<\/script>/g)).toHaveLength(2); // only our own two script elements close
    expect(html).toContain("not the student's view");
    expect(html).toContain("pca keeps 9% of the variance");
    expect(html).not.toMatch(/https?:\/\//); // self-contained: no network references
  });

  describe("in headless Chromium", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("draws the map and histogram, fills the regions table, and runs no injected script", async () => {
      const dir = await mkdtemp(join(tmpdir(), "gapfill-report-"));
      const file = join(dir, "report.html");
      await writeFile(file, renderMapReport(sampleData()));
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(file).href);
      expect(errors).toEqual([]);
      expect(await nonBackgroundShare(page, "#map")).toBeGreaterThan(0.02);
      expect(await nonBackgroundShare(page, "#histogram")).toBeGreaterThan(0.01);
      expect(await page.locator("#regions tbody tr").count()).toBe(1);
      expect(await page.locator("#windows tbody tr").count()).toBe(1);
      expect(await page.locator("#regions tbody").textContent()).toContain("onerror");
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      await page.screenshot({ path: join(dir, "report.png"), fullPage: true });
    });
  });
});
