import type { Example } from "../../core/example.js";
import type { MapArtifact } from "../../pipeline/map/map-artifact.js";
import { colorFields, colorValues, type ColorValues } from "./map-view-colors.js";
import { loadMapViewDataset, textsOf } from "./map-view-dataset.js";
import { loadMapViewModel } from "./map-view-data.js";
import { renderMapViewPage } from "./map-view-page.js";

/**
 * Dataset points a static page carries at most. Every point's text goes inline with it, so the cap
 * keeps a 400K-row map's page to a few megabytes; `gapfill ui` shows them all.
 */
export const STATIC_MAP_POINTS = 20_000;

/**
 * The map view of a run as one self-contained HTML file: points, layers, colour fields and texts
 * inline, no request made, opens from `file://`. A set larger than {@link STATIC_MAP_POINTS} is
 * shown as an even sample (seeds always kept), and the page says so. `map` and `examples`: the
 * artifact and rows the caller just mapped, used instead of reading them again.
 */
export async function renderMapView(runDir: string, options: { maxPoints?: number; map?: MapArtifact; examples?: readonly Example[] } = {}): Promise<string> {
  // The map command passes what it just made, so a 400K-row set is not read and checked twice.
  const model = await loadMapViewModel(runDir, options.map);
  const dataset = await loadMapViewDataset(model.map, runDir, options.map ? options.examples : undefined);
  const { meta, xy } = model;
  const cap = Math.max(1, options.maxPoints ?? STATIC_MAP_POINTS);

  const keep = new Set<number>();
  const stride = Math.max(1, Math.ceil(meta.rows / cap));
  for (let row = 0; row < meta.rows; row += stride) keep.add(row);
  // Seeds stay: the lines to them, and their texts, are what the layers are about.
  for (const pair of meta.pairs) for (const row of pair.seeds) if (row < meta.rows) keep.add(row);
  for (const example of meta.generated) for (const row of example.seeds) if (row >= 0 && row < meta.rows) keep.add(row);
  const sampleRows = [...keep].sort((a, b) => a - b);

  const placed = meta.generated.filter((example) => example.point >= 0);
  const oldPoints = [...sampleRows, ...placed.map((example) => example.point)];
  const sampleXy = new Float32Array(oldPoints.length * 2);
  oldPoints.forEach((old, point) => {
    sampleXy[2 * point] = xy[2 * old];
    sampleXy[2 * point + 1] = xy[2 * old + 1];
  });
  const newPointOf = new Map(oldPoints.map((old, point) => [old, point] as const));
  const generated = meta.generated.map((example) => ({ ...example, point: example.point >= 0 ? newPointOf.get(example.point)! : -1 }));

  const fields = colorFields(model, dataset);
  const colors: Record<string, ColorValues> = {};
  for (const field of fields) {
    const full = colorValues(model, dataset, field.name);
    if (!full) continue;
    colors[field.name] = { ...full, values: oldPoints.map((old) => full.values[old]) } as ColorValues;
  }

  const sampled = sampleRows.length < meta.rows;
  const notes = [...meta.notes];
  if (dataset.note) notes.push(dataset.note);
  if (sampled) notes.push(`This page shows a sample of ${sampleRows.length.toLocaleString("en-US")} of the ${meta.rows.toLocaleString("en-US")} dataset points (every seed kept); \`gapfill ui\` shows them all.`);
  // The notes are written into the page itself; the script has none left to add.
  const staticMeta = { ...meta, rows: sampleRows.length, points: oldPoints.length, generated, fields, notes: [], sample: { shown: sampleRows.length, total: meta.rows } };
  return renderMapViewPage(meta.title, notes, {
    mode: "static",
    meta: staticMeta,
    xy: Buffer.from(sampleXy.buffer, sampleXy.byteOffset, sampleXy.byteLength).toString("base64"),
    sampleRows,
    texts: textsInChunks(dataset, sampleRows),
    colors,
  });
}

function textsInChunks(dataset: Parameters<typeof textsOf>[0], rows: number[]): ReturnType<typeof textsOf> {
  const texts: ReturnType<typeof textsOf> = [];
  // textsOf answers a request's worth of rows at a time.
  for (let start = 0; start < rows.length; start += 1_000) texts.push(...textsOf(dataset, rows.slice(start, start + 1_000)));
  return texts;
}
