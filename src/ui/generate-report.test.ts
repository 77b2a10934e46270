import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../../test/helpers/browser.js";
import type { GenerateReportData } from "./generate-report-data.js";
import { renderGenerateReport } from "./generate-report.js";

const hostile = `</script><img src=x onerror="window.__pwned=1">`;

function sample(): GenerateReportData {
  const panel = (name: string) => ({
    name,
    color: "#000",
    mapTargets: name === "embed",
    accepted: 2,
    budget: 2,
    attempts: 3,
    stopped: "budget",
    rejected: { unparseable: 1 },
    targetHitRate: name === "embed" ? 0.5 : null,
    sparseHitRate: 0.5,
    datasetSparseShare: 0.1,
    sparseRise: { cells: 2, pointsBefore: 3, pointsAdded: 1, risePercent: 33.3, liftedToT: 0 },
    method: "lexical",
    requests: 3,
    cached: 0,
    tokens: 100,
    seconds: 1,
    decode: "no partials",
    x: [0, 1],
    y: [0, 1],
    hit: [true, false],
    examples: [{ id: "gen-1", question: hostile, answer: hostile }],
  });
  return {
    title: "gapfill generate",
    dataset: hostile,
    embedder: { label: "lexical", studentView: false },
    grid: { nx: 2, ny: 2, x0: 0, y0: 0, cellWidth: 1, cellHeight: 1, counts: [1, 2, 3, 4] },
    sparseCells: [{ ix: 0, iy: 0 }],
    points: { x: [0.5], y: [0.5] },
    targets: [
      {
        x: 0.5,
        y: 0.5,
        window: 0,
        box: [0, 0, 1, 1],
        seeds: [
          { id: "s1", question: hostile },
          { id: "s2", question: "second seed" },
        ],
        partial: hostile,
        example: { id: "gen-1", question: "the written example" },
      },
    ],
    windows: [{ rank: 1, before: 1, after: 3, aimed: 2, landed: 1 }],
    strategies: [panel("embed"), panel("random")],
  };
}

describe("renderGenerateReport", () => {
  it("escapes generated and dataset text, and loads nothing from the network", () => {
    const html = renderGenerateReport(sample());
    expect(html).not.toContain(hostile);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain("not the student's view");
  });

  describe("in headless Chromium", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("lists the windows aimed at and shows a target's seeds, partial and example on hover", async () => {
      const dir = await mkdtemp(join(tmpdir(), "gapfill-generate-report-"));
      const file = join(dir, "report.html");
      await writeFile(file, renderGenerateReport(sample()));
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(file).href);
      expect(errors).toEqual([]);
      expect(await page.locator("#windows tbody tr").count()).toBe(1);
      expect(await page.locator("#windows tbody td").allTextContents()).toEqual(["1", "1", "3", "2", "1"]);
      const canvas = page.locator("#map-embed");
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      // The target (0.5, 0.5) on the 2 × 2 grid over [0, 2]²: a quarter of the way across the 560 × 440 canvas inside its 20 px padding.
      await page.mouse.move(box!.x + ((20 + 0.25 * 520) * box!.width) / 560, box!.y + ((420 - 0.25 * 400) * box!.height) / 440);
      const tip = await page.locator("#tip").textContent();
      expect(tip).toContain("seed 1 (s1)");
      expect(tip).toContain("decoded partial: </script>");
      expect(tip).toContain("written: gen-1: the written example");
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    });
  });
});
