import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import DatabaseConstructor from "better-sqlite3";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderMapView } from "../../src/ui/map-view/render-map-view.js";
import { startUiServer, type UiServer } from "../../src/ui/server/ui-server.js";
import { launchChromium } from "../helpers/browser.js";
import { buildMapViewRun, HOSTILE, type MapViewFixture } from "./map-view-fixture.js";

/**
 * Share of the points canvas's pixels that are painted: redrawn and copied to a 2-D canvas in the
 * same task (the WebGL buffer is not preserved past compositing).
 */
async function paintedShare(page: Page): Promise<number> {
  return page.evaluate(() => {
    (window as any).gapfillMap.redraw();
    const source = document.getElementById("points") as HTMLCanvasElement;
    const copy = document.createElement("canvas");
    copy.width = source.width;
    copy.height = source.height;
    const ctx = copy.getContext("2d")!;
    ctx.drawImage(source, 0, 0);
    const { data } = ctx.getImageData(0, 0, copy.width, copy.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
    return painted / (data.length / 4);
  });
}

/** A point of the buffer with no other point within `clear` CSS pixels on screen, and its position. */
async function isolatedPoint(page: Page, below: number, clear = 14): Promise<{ point: number; x: number; y: number }> {
  return page.evaluate(
    ({ below, clear }) => {
      const api = (window as any).gapfillMap;
      const screen = Array.from({ length: below }, (_, i) => api.toScreen(i) as [number, number]);
      const box = document.getElementById("points")!.getBoundingClientRect();
      for (let i = 0; i < below; i++) {
        const [x, y] = screen[i];
        if (x < 20 || y < 20 || x > box.width - 340 || y > box.height - 120) continue;
        if (screen.every(([u, v], j) => j === i || Math.hypot(u - x, v - y) > clear)) return { point: i, x, y };
      }
      throw new Error("no isolated point");
    },
    { below, clear },
  );
}

/** Moves the mouse to a position given relative to the map. */
async function mouseAt(page: Page, x: number, y: number): Promise<void> {
  const box = (await page.locator("#points").boundingBox())!;
  await page.mouse.move(box.x + x, box.y + y);
}

async function tableRows(page: Page): Promise<number[]> {
  return (await page.locator("#selection tbody tr").evaluateAll((rows) => rows.map((row) => Number(row.getAttribute("data-point"))))).sort((a, b) => a - b);
}

describe("map view", () => {
  let root: string;
  let fixture: MapViewFixture;
  let server: UiServer;
  let browser: Browser;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "gapfill-map-view-"));
    fixture = await buildMapViewRun(root);
    // An evaluation of the student on ten of the map's own rows (as the loop does on its seeds): rows 0-4 right, 5-9 wrong.
    const db = new DatabaseConstructor(join(fixture.runDir, "gapfill.db"));
    db.prepare("INSERT INTO evaluations (name, student, benchmark, benchmark_digest, items, params, created_at) VALUES ('eval', 's', 'b', 'd', 10, '{}', '2026-01-01')").run();
    const item = db.prepare("INSERT INTO evaluation_items (evaluation, position, item_id, question, reference, prompt, output, correct, judged_at) VALUES ('eval', ?, ?, 'q', 'r', 'p', 'o', ?, 'now')");
    for (let i = 0; i < 10; i++) item.run(i, fixture.map.artifact.ids[i], i < 5 ? 1 : 0);
    db.close();
    server = await startUiServer({ root, pollMs: 50 });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function openMap(url: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(url);
    await page.evaluate(() => (window as any).gapfillMap.ready);
    await page.waitForFunction(() => (window as any).gapfillMap.frames > 0);
    return { page, errors, requests };
  }

  it("serves the map's data: points as float32 x/y, texts by row range, search over the texts", async () => {
    const base = server.url;
    const meta = await (await fetch(new URL("/api/map/meta?run=mapped", base))).json();
    expect(meta.rows).toBe(fixture.rows.length);
    expect(meta.points).toBe(fixture.rows.length + 2);
    expect(meta.generated.map((g: { id: string; seeds: number[] }) => [g.id, g.seeds])).toEqual(fixture.generated.map((g) => [g.id, g.seeds]));
    expect(meta.fields.map((field: { name: string }) => field.name)).toEqual(["source", "density", "accuracy", "column:topic"]);
    const accuracy = await (await fetch(new URL("/api/map/color?run=mapped&field=accuracy", base))).json();
    expect(accuracy.labels).toEqual(["wrong", "right"]);
    expect(accuracy.values.slice(0, 12)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, -1, -1]);
    const source = await (await fetch(new URL("/api/map/color?run=mapped&field=source", base))).json();
    expect(source.labels).toEqual(["training", "embed"]);
    expect(source.values.slice(-3)).toEqual([0, 1, 1]);
    const points = new Float32Array(await (await fetch(new URL("/api/map/points?run=mapped", base))).arrayBuffer());
    expect(points.length).toBe(2 * meta.points);
    expect(points[2 * 5]).toBe(fixture.map.points[2 * 5]);
    const texts = await (await fetch(new URL("/api/map/texts?run=mapped&from=10&to=13", base))).json();
    expect(texts.map((t: { index: number; question: string }) => [t.index, t.question])).toEqual([10, 11, 12].map((i) => [i, fixture.rows[i].question]));
    const search = await (await fetch(new URL("/api/map/search?run=mapped&q=BASEBALL", base))).json();
    const expected = fixture.rows.flatMap((row, i) => (`${row.question}\n${row.answer}`.toLowerCase().includes("baseball") ? [i] : []));
    expect(expected.length).toBeGreaterThan(0);
    expect(search).toEqual({ indices: expected, total: expected.length });
    expect((await fetch(new URL("/api/map/meta?run=../x", base))).status).toBe(404);
    const runs = await (await fetch(new URL("/api/maps", base))).json();
    expect(runs).toEqual(["mapped"]);
  });

  it("links each run that has a map to its map view from the runs page", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      const link = page.locator('#runs tr[data-run="mapped"] a.map-view');
      await link.waitFor();
      expect(await link.getAttribute("href")).toBe("/map?run=mapped");
    } finally {
      await page.close();
    }
  });

  it("draws the points with WebGL, sharp on HiDPI, and shows a dataset row's text on hover", async () => {
    const { page, errors } = await openMap(new URL("/map?run=mapped", server.url).href);
    try {
      expect(await page.evaluate(() => (window as any).gapfillMap.renderer)).toBe("webgl");
      // Device pixels: the canvas backs 2× its CSS size.
      const sizes = await page.evaluate(() => { const c = document.getElementById("points") as HTMLCanvasElement; return [c.width, c.getBoundingClientRect().width]; });
      expect(sizes[0]).toBe(Math.round(sizes[1] * 2));
      expect(await paintedShare(page)).toBeGreaterThan(0.002);
      const { point, x, y } = await isolatedPoint(page, fixture.rows.length);
      await mouseAt(page, x, y);
      const tooltip = page.locator("#tooltip");
      await tooltip.filter({ hasText: fixture.rows[point].question.slice(0, 40) }).waitFor();
      expect(await tooltip.getAttribute("data-point")).toBe(String(point));
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("zooms about the cursor with the wheel", async () => {
    const { page } = await openMap(new URL("/map?run=mapped", server.url).href);
    try {
      const before = await page.evaluate(() => ({ view: (window as any).gapfillMap.view(), at: (window as any).gapfillMap.toScreen(0), frames: (window as any).gapfillMap.frames }));
      await mouseAt(page, before.at[0], before.at[1]);
      await page.mouse.wheel(0, -400);
      await page.waitForFunction((frames) => (window as any).gapfillMap.frames > frames, before.frames);
      const after = await page.evaluate(() => ({ view: (window as any).gapfillMap.view(), at: (window as any).gapfillMap.toScreen(0) }));
      expect(after.view.scale).toBeGreaterThan(before.view.scale * 1.2);
      // The point under the cursor stays under it.
      expect(Math.hypot(after.at[0] - before.at[0], after.at[1] - before.at[1])).toBeLessThan(1);
    } finally {
      await page.close();
    }
  });

  it("zooms with a two-finger pinch", async () => {
    const { page } = await openMap(new URL("/map?run=mapped", server.url).href);
    try {
      const scales = await page.evaluate(async () => {
        const api = (window as any).gapfillMap;
        const target = document.getElementById("over")!;
        const box = target.getBoundingClientRect();
        const [cx, cy] = [box.left + box.width / 2, box.top + box.height / 2];
        const fire = (type: string, id: number, dx: number) =>
          target.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: "touch", clientX: cx + dx, clientY: cy, bubbles: true, cancelable: true }));
        const before = api.view().scale;
        fire("pointerdown", 11, -40);
        fire("pointerdown", 12, 40);
        for (const spread of [60, 90, 120]) {
          fire("pointermove", 11, -spread);
          fire("pointermove", 12, spread);
        }
        fire("pointerup", 11, -120);
        fire("pointerup", 12, 120);
        return [before, api.view().scale, api.selection().length];
      });
      // Fingers three times further apart: three times the scale; no click, no selection.
      expect(scales[1] / scales[0]).toBeCloseTo(3, 5);
      expect(scales[2]).toBe(0);
    } finally {
      await page.close();
    }
  });

  it("clicking a sparse window lists exactly its dataset points in the table", async () => {
    const { page } = await openMap(new URL("/map?run=mapped", server.url).href);
    try {
      const sparse = fixture.map.artifact.windows[0];
      const xy = fixture.map.points;
      const expected: number[] = [];
      for (let i = 0; i < fixture.rows.length; i++) {
        if (xy[2 * i] >= sparse.min[0] && xy[2 * i] < sparse.max[0] && xy[2 * i + 1] >= sparse.min[1] && xy[2 * i + 1] < sparse.max[1]) expected.push(i);
      }
      expect(expected.length).toBe(sparse.points);
      // A spot inside the window away from every point (a click on a point selects that point).
      const spot = await page.evaluate((w) => {
        const api = (window as any).gapfillMap;
        const screen = Array.from({ length: api.meta.points }, (_, i) => api.toScreen(i) as [number, number]);
        let best: [number, number] = [0, 0];
        let bestGap = -1;
        for (let a = 1; a < 20; a++) for (let b = 1; b < 20; b++) {
          const [x, y] = api.dataToScreen(w.min[0] + ((w.max[0] - w.min[0]) * a) / 20, w.min[1] + ((w.max[1] - w.min[1]) * b) / 20);
          const gap = Math.min(...screen.map(([u, v]) => Math.hypot(u - x, v - y)));
          if (gap > bestGap) [best, bestGap] = [[x, y], gap];
        }
        return { x: best[0], y: best[1], gap: bestGap };
      }, sparse);
      expect(spot.gap).toBeGreaterThan(8);
      await mouseAt(page, spot.x, spot.y);
      await page.mouse.down();
      await page.mouse.up();
      await page.locator("#selection-title").filter({ hasText: `sparse window #${sparse.rank}` }).waitFor();
      expect(await page.evaluate(() => (window as any).gapfillMap.selection())).toEqual(expected);
      expect(await tableRows(page)).toEqual(expected);
      // Full texts, fetched for the listed rows.
      await page.locator("#selection tbody td.text").filter({ hasText: fixture.rows[expected[0]].question }).first().waitFor();
    } finally {
      await page.close();
    }
  });

  it("searches the texts, selects a lasso, and links a generated example to its seeds, target and partial", async () => {
    const { page, errors } = await openMap(new URL("/map?run=mapped", server.url).href);
    try {
      await page.locator("#search").fill("baseball");
      await page.locator("#search").press("Enter");
      await page.locator("#selection-title").filter({ hasText: "search" }).waitFor();
      const expected = fixture.rows.flatMap((row, i) => (`${row.question}\n${row.answer}`.toLowerCase().includes("baseball") ? [i] : []));
      expect(await tableRows(page)).toEqual(expected);

      // A lasso around the whole map takes every point.
      const box = (await page.locator("#points").boundingBox())!;
      await page.keyboard.down("Shift");
      await page.mouse.move(box.x + 2, box.y + 2);
      await page.mouse.down();
      for (const [x, y] of [[box.width - 2, 2], [box.width - 2, box.height - 2], [2, box.height - 2]]) await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
      await page.mouse.up();
      await page.keyboard.up("Shift");
      await page.locator("#selection-title").filter({ hasText: "lasso" }).waitFor();
      expect((await page.evaluate(() => (window as any).gapfillMap.selection())).length).toBe(fixture.rows.length + 2);

      // The generated example sits on its pair's midpoint; its row names its seeds, window and partial.
      const generated = fixture.generated[0];
      const at = await page.evaluate((point) => (window as any).gapfillMap.toScreen(point), fixture.rows.length);
      await mouseAt(page, at[0], at[1]);
      await page.locator("#tooltip").filter({ hasText: "decoded partial" }).waitFor();
      await page.mouse.down();
      await page.mouse.up();
      await page.locator("#selection-title").filter({ hasText: "generated example" }).waitFor();
      const provenance = await page.locator("#selection tbody tr.focus td").nth(4).textContent();
      expect(provenance).toContain(`seeds: row ${generated.seeds[0]} + row ${generated.seeds[1]}`);
      expect(provenance).toContain(`target window #${generated.window}`);
      expect(provenance).toContain(`decoded partial: partial ${HOSTILE}`);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("keeps hostile dataset text inert in the tooltip, the table and the legend", async () => {
    const { page, errors } = await openMap(new URL("/map?run=mapped", server.url).href);
    try {
      await page.locator("#color-by").selectOption("column:topic");
      await page.locator("#legend").filter({ hasText: "<b>hostile</b>" }).waitFor();
      await page.locator("#search").fill("onerror");
      await page.locator("#search").press("Enter");
      await page.locator("#selection-title").filter({ hasText: "search" }).waitFor();
      await page.locator("#selection tbody td.text").filter({ hasText: HOSTILE }).first().waitFor();
      // The three hostile rows (the generated examples carry it only in their partial, which search does not read).
      expect(await tableRows(page)).toEqual([fixture.rows.length - 3, fixture.rows.length - 2, fixture.rows.length - 1]);
      expect(await page.locator("#selection img, #legend b, #tooltip img").count()).toBe(0);
      expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
      expect(await page.title()).toBe("gapfill map: mapped");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("falls back to Canvas2D where WebGL is unavailable, and still draws", async () => {
    const page = await browser.newPage();
    try {
      await page.addInitScript(() => {
        const original = HTMLCanvasElement.prototype.getContext;
        (HTMLCanvasElement.prototype as any).getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
          return kind === "webgl" ? null : original.call(this, kind as "2d", ...(rest as []));
        };
      });
      await page.goto(new URL("/map?run=mapped", server.url).href);
      await page.evaluate(() => (window as any).gapfillMap.ready);
      expect(await page.evaluate(() => (window as any).gapfillMap.renderer)).toBe("canvas2d");
      expect(await page.locator("#status").textContent()).toContain("Canvas2D");
      expect(await paintedShare(page)).toBeGreaterThan(0.002);
    } finally {
      await page.close();
    }
  });

  it("says so when the dataset is gone, and still shows the seeds' texts from map.json", async () => {
    const other = mkdtempSync(join(tmpdir(), "gapfill-map-view-orphan-"));
    const orphan = await buildMapViewRun(other, "orphan");
    rmSync(orphan.datasetPath);
    const second = await startUiServer({ root: other });
    const page = await browser.newPage();
    try {
      const seed = orphan.map.artifact.pairs[0].seeds[0];
      const texts = await (await fetch(new URL(`/api/map/texts?run=orphan&rows=${seed.index},${seed.index === 0 ? 1 : 0}`, second.url))).json();
      expect(texts).toEqual([{ index: seed.index, id: seed.id, question: seed.question, answer: seed.answer }]);
      await page.goto(new URL("/map?run=orphan", second.url).href);
      await page.evaluate(() => (window as any).gapfillMap.ready);
      expect(await page.locator(".banner").filter({ hasText: "is not there any more" }).count()).toBe(1);
    } finally {
      await page.close();
      await second.close();
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("writes a self-contained static page: sampled with a note, works from file:// with no request", async () => {
    const file = join(root, "map-view.html");
    writeFileSync(file, await renderMapView(fixture.runDir, { maxPoints: 100 }));
    const { page, errors, requests } = await openMap(pathToFileURL(file).href);
    try {
      expect(await page.locator(".banner").filter({ hasText: "sample of" }).count()).toBe(1);
      const meta = await page.evaluate(() => (window as any).gapfillMap.meta);
      // Every 5th row (403 rows, 100 at most) plus every seed, then the two generated examples.
      expect(meta.rows).toBeGreaterThanOrEqual(81);
      expect(meta.rows).toBeLessThan(fixture.rows.length);
      expect(meta.points).toBe(meta.rows + 2);
      expect(await paintedShare(page)).toBeGreaterThan(0.0005);
      const { x, y } = await isolatedPoint(page, meta.rows);
      await mouseAt(page, x, y);
      await page.locator("#tooltip:not([hidden]) .q").waitFor();
      expect(await page.locator("#tooltip .q").textContent()).not.toBe("…");
      expect(requests.every((url) => url.startsWith("file:") || url.startsWith("data:"))).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
