/**
 * Map view benchmark: a synthetic map of N points (Gaussian blobs, a dataset file with their
 * texts) served by `gapfill ui`, opened in headless Chromium (Debian's, software WebGL with
 * --disable-gpu), measuring the time to the first frame, the hover pick (spatial index and
 * tooltip, inside the page), a real mouse move to a tooltip showing the row's fetched text, and
 * a zoom frame (wall time to the next frame, and the page's own time to draw it). Returns figures, prints nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAP_ARTIFACT_VERSION, type MapArtifact, writeMapArtifact } from "../src/pipeline/map/map-artifact.js";
import { createGaussian, createRandom } from "../src/geometry/random.js";
import { writeFloat32Matrix } from "../src/store/float32-matrix.js";
import { openRun } from "../src/store/index.js";
import { startUiServer } from "../src/ui/server/ui-server.js";
import { launchChromium } from "../test/helpers/browser.js";
import { median } from "./median.js";

/** Writes a run directory holding a map of `rows` points, its points.f32 and its dataset. */
async function writeSyntheticMapRun(dir: string, rows: number): Promise<void> {
  const random = createRandom(7);
  const gaussian = createGaussian(random);
  const xy = new Float32Array(rows * 2);
  for (let i = 0; i < rows; i++) {
    const blob = i % 5;
    xy[2 * i] = (blob % 3) * 4 + gaussian() * (0.4 + 0.2 * blob);
    xy[2 * i + 1] = Math.floor(blob / 3) * 4 + gaussian() * 0.6;
  }
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < rows; i++) {
    minX = Math.min(minX, xy[2 * i]); maxX = Math.max(maxX, xy[2 * i]);
    minY = Math.min(minY, xy[2 * i + 1]); maxY = Math.max(maxY, xy[2 * i + 1]);
  }
  const side = 40;
  const cellSize = [(maxX - minX) / side + 1e-9, (maxY - minY) / side + 1e-9];
  const counts = new Array<number>(side * side).fill(0);
  for (let i = 0; i < rows; i++) {
    const ix = Math.min(side - 1, Math.floor((xy[2 * i] - minX) / cellSize[0]));
    const iy = Math.min(side - 1, Math.floor((xy[2 * i + 1] - minY) / cellSize[1]));
    counts[ix + side * iy]++;
  }
  const ids = Array.from({ length: rows }, (_, i) => `row-${i}`);
  const datasetPath = join(dir, "..", "dataset.jsonl");
  writeFileSync(datasetPath, ids.map((id, i) => JSON.stringify({ id, question: `Question ${i}: a train travels ${i % 97} miles in ${1 + (i % 13)} hours. How fast is it?`, answer: `It goes ${((i % 97) / (1 + (i % 13))).toFixed(2)} mph.\n#### ${i}` })).join("\n") + "\n");
  const run = await openRun(dir, { command: "map", onNotice: () => undefined });
  run.close();
  await writeFloat32Matrix(join(dir, "points.f32"), { data: xy, rows, cols: 2 });
  const sparseCells = counts.flatMap((count, cell) => (count > 0 && count < 3 ? [cell] : []));
  const artifact: MapArtifact = {
    version: MAP_ARTIFACT_VERSION,
    dataset: datasetPath,
    datasetDigest: "0123456789abcdef",
    rows,
    embedder: { kind: "lexical", label: "synthetic points (benchmark)", studentView: false },
    embeddingDims: 2,
    reducer: { name: "pca", dims: 2, model: { components: [1, 0, 0, 1], cols: 2, k: 2 }, placement: "projection" },
    grid: { shape: [side, side], min: [minX, minY], max: [maxX, maxY], cellSize, window: 1, sizeRule: "benchmark", counts },
    threshold: { value: 3, rule: "benchmark", histogram: { binWidth: 1, counts: [] } },
    sparseCells,
    regions: [],
    windows: [],
    pairs: [],
    quality: { targets: { pairs: 0, insideWindow: 0, inSparseCell: 0 }, warnings: [] },
    ids,
  } as unknown as MapArtifact;
  await writeMapArtifact(dir, artifact);
}

/** Runs the benchmark for each size (default 100K and 400K points). */
export async function benchUi(sizes: number[] = [100_000, 400_000]): Promise<Array<{ name: string; figures: Record<string, number> }>> {
  const results: Array<{ name: string; figures: Record<string, number> }> = [];
  const browser = await launchChromium();
  try {
    for (const rows of sizes) {
      const root = mkdtempSync(join(tmpdir(), "gapfill-ui-bench-"));
      const server = await startUiServer({ root });
      try {
        await writeSyntheticMapRun(join(root, "run"), rows);
        // The server reads and indexes the map on its first request; warm it so the page's timing is the page's.
        const loadStart = performance.now();
        await fetch(new URL("/api/map/meta?run=run", server.url));
        const serverLoadMs = performance.now() - loadStart;
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2 });
        await page.goto(new URL("/map?run=run", server.url).href);
        await page.evaluate(() => (window as any).gapfillMap.ready);
        await page.waitForFunction(() => (window as any).gapfillMap.frames > 0);
        const firstFrameMs = await page.evaluate(() => (window as any).gapfillMap.firstFrameMs as number);
        const renderer = await page.evaluate(() => (window as any).gapfillMap.renderer as string);
        const box = (await page.locator("#points").boundingBox())!;
        // In-page hover: spatial-index pick plus tooltip, at spots over the points.
        const pickMs = await page.evaluate(({ w, h }) => {
          const api = (window as any).gapfillMap;
          const times: number[] = [];
          for (let k = 0; k < 200; k++) {
            const start = performance.now();
            api.hoverAt((w * ((k * 37) % 100)) / 100, (h * ((k * 61) % 100)) / 100);
            times.push(performance.now() - start);
          }
          times.sort((a, b) => a - b);
          return times[Math.floor(times.length / 2)];
        }, { w: box.width, h: box.height });
        // A real mouse move to a point, until the tooltip shows that row's text (fetched from the server).
        const moves: number[] = [];
        for (let k = 0; k < 12; k++) {
          const point = (k * 7919) % rows;
          const at = await page.evaluate((p) => (window as any).gapfillMap.toScreen(p) as [number, number], point);
          await page.mouse.move(box.x + 1, box.y + 1);
          const start = performance.now();
          await page.mouse.move(box.x + at[0], box.y + at[1]);
          await page.waitForFunction(() => { const t = document.getElementById("tooltip")!; return !t.hidden && !/…$/.test(t.querySelector(".q")?.textContent ?? "…"); });
          moves.push(performance.now() - start);
        }
        // One zoom step: wheel to the next drawn frame.
        const zooms: number[] = [];
        const drawMs: number[] = [];
        for (let k = 0; k < 8; k++) {
          const frames = await page.evaluate(() => (window as any).gapfillMap.frames as number);
          const start = performance.now();
          await page.mouse.wheel(0, k % 2 === 0 ? -120 : 120);
          await page.waitForFunction((f) => (window as any).gapfillMap.frames > f, frames);
          zooms.push(performance.now() - start);
          drawMs.push(await page.evaluate(() => (window as any).gapfillMap.lastFrameMs as number));
        }
        // A wheel event dispatched inside the page, to the frame that shows it (no driver round trip).
        const pageWheelMs = await page.evaluate(async () => {
          const api = (window as any).gapfillMap;
          const target = document.getElementById("over")!;
          const rect = target.getBoundingClientRect();
          const times: number[] = [];
          for (let k = 0; k < 8; k++) {
            const frames = api.frames;
            const start = performance.now();
            target.dispatchEvent(new WheelEvent("wheel", { deltaY: k % 2 === 0 ? -120 : 120, clientX: rect.left + rect.width / 2, clientY: rect.top + rect.height / 2, bubbles: true, cancelable: true }));
            while (api.frames === frames) await new Promise((resolve) => requestAnimationFrame(resolve));
            times.push(performance.now() - start);
          }
          times.sort((a, b) => a - b);
          return times[4];
        });
        // The same redraw, waited for to the end of rasterization (gl.finish): what a frame costs the renderer.
        const finishedMs = await page.evaluate(() => {
          const api = (window as any).gapfillMap;
          const gl = (document.getElementById("points") as HTMLCanvasElement).getContext("webgl");
          const times: number[] = [];
          for (let k = 0; k < 5; k++) {
            const start = performance.now();
            api.redraw();
            gl?.finish();
            times.push(performance.now() - start);
          }
          times.sort((a, b) => a - b);
          return times[2];
        });
        await page.close();
        results.push({
          name: `map view, ${rows.toLocaleString("en-US")} points (headless Chromium, ${renderer}${renderer === "webgl" ? ", software rendering" : ""})`,
          figures: {
            "server: map + dataset load ms": serverLoadMs,
            "first frame ms (from navigation)": firstFrameMs,
            "hover pick + tooltip ms (median)": pickMs,
            "mouse move to tooltip text ms": median(moves),
            "mouse wheel to next frame ms (median)": median(zooms),
            "wheel event to frame, in page ms (median)": pageWheelMs,
            "full redraw ms in page (median)": median(drawMs),
            "full redraw + gl.finish ms (median)": finishedMs,
          },
        });
      } finally {
        await server.close();
        rmSync(root, { recursive: true, force: true });
      }
    }
  } finally {
    await browser.close();
  }
  return results;
}
