import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium, nonBackgroundShare } from "../../test/helpers/browser.js";
import { renderEvalReport, type EvalReportData } from "./eval-report.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Every region at 0 %: accuracy does not vary, so neither correlation nor the fit exists (NaN → null in JSON). */
function allWrong(): EvalReportData {
  const regions = [0, 1, 2].map((id) => ({ id, cells: 1, items: 4, correct: 0, accuracy: 0, lower: 0, upper: 0.49, density: 2 + 3 * id, cellXY: [[id, 0]] as [number, number][] }));
  return {
    title: "all wrong",
    summary: [["items", "12"]],
    items: [{ position: 0, id: "a", question: "q", reference: "1", extracted: "2", correct: false, referenceLoss: null, ownLoss: null, entropy: null }],
    itemsOmitted: 0,
    densityAccuracy: {
      embedder: { label: "lexical", studentView: false },
      method: "nearest",
      notes: [],
      grouping: "cells",
      pearson: { r: Number.NaN, p: Number.NaN },
      spearman: { rho: Number.NaN, p: Number.NaN },
      fit: { slope: Number.NaN, intercept: Number.NaN },
      regions,
      grid: { nx: 3, ny: 1, counts: [4, 4, 4] },
      items: { gx: [0.5, 1.5, 2.5], gy: [0.5, 0.5, 0.5], correct: [false, false, false] },
    },
  } as EvalReportData;
}

describe("evaluation page in a browser", () => {
  it("draws both charts and the region table when the correlation cannot be computed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gapfill-eval-page-"));
    const path = join(dir, "report.html");
    writeFileSync(path, renderEvalReport(allWrong()));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    await page.goto(pathToFileURL(path).href);
    expect(errors).toEqual([]);
    expect(await page.locator("#regions tbody tr").count()).toBe(3);
    expect(await page.locator("#coefficients").textContent()).toContain("Pearson r = – (p = –)");
    expect(await nonBackgroundShare(page, "#scatter")).toBeGreaterThan(0.001);
    expect(await nonBackgroundShare(page, "#map")).toBeGreaterThan(0.01);
    await page.close();
  });
});
