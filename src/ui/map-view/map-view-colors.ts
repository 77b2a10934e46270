import { existsSync } from "node:fs";
import { join } from "node:path";
import DatabaseConstructor from "better-sqlite3";
import { RUN_DATABASE_FILE } from "../../store/index.js";
import type { MapViewDataset } from "./map-view-dataset.js";
import type { MapViewModel } from "./map-view-data.js";

/**
 * What a point is coloured by: a category per point (`-1`: none) with its labels, or a number
 * (`null`: none) with its range. One value per point of the buffer, dataset rows first.
 */
export type ColorValues =
  | { field: string; kind: "category"; labels: string[]; values: number[]; note?: string }
  | { field: string; kind: "numeric"; min: number; max: number; values: Array<number | null>; note?: string };

/** Categories shown one by one; the rarer ones share "other", so a legend stays readable. */
const MAX_CATEGORIES = 24;
const COLUMN_PREFIX = "column:";

/** The fields this run's points can be coloured by: source, cell density, accuracy when evaluated on these rows, dataset columns. */
export function colorFields(model: MapViewModel, dataset: MapViewDataset): Array<{ name: string; label: string }> {
  const fields = [
    { name: "source", label: "source" },
    { name: "density", label: "cell density" },
  ];
  if (accuracyByRow(model).size > 0) fields.push({ name: "accuracy", label: "accuracy (latest eval)" });
  for (const column of datasetColumns(dataset)) fields.push({ name: COLUMN_PREFIX + column, label: `column ${column}` });
  return fields;
}

/** Per-point values of `field`, or undefined for a field this run does not have. */
export function colorValues(model: MapViewModel, dataset: MapViewDataset, field: string): ColorValues | undefined {
  const { meta, xy } = model;
  const total = meta.points;
  const byPoint = new Map(meta.generated.filter((example) => example.point >= 0).map((example) => [example.point, example] as const));
  if (field === "source") {
    const labels = ["training"];
    const values: number[] = new Array(total).fill(0);
    for (const [point, example] of byPoint) {
      const label = example.round === null ? example.source : `round ${example.round}`;
      let code = labels.indexOf(label);
      if (code === -1) code = labels.push(label) - 1;
      values[point] = code;
    }
    return { field, kind: "category", labels, values };
  }
  if (field === "density") {
    const { nx, ny, x0, y0, cellWidth, cellHeight, counts } = meta.grid;
    const values: Array<number | null> = new Array(total);
    let max = 0;
    for (let i = 0; i < total; i++) {
      const ix = Math.min(nx - 1, Math.max(0, Math.floor((xy[2 * i] - x0) / cellWidth)));
      const iy = Math.min(ny - 1, Math.max(0, Math.floor((xy[2 * i + 1] - y0) / cellHeight)));
      // Log scale: a few dense cells would otherwise leave every thin one the same colour.
      values[i] = Math.log10(1 + counts[ix + nx * iy]);
      max = Math.max(max, values[i]!);
    }
    return { field, kind: "numeric", min: 0, max, values, note: "log10(1 + dataset points in the point's grid cell)" };
  }
  if (field === "accuracy") {
    const correct = accuracyByRow(model);
    if (correct.size === 0) return undefined;
    const values: number[] = new Array(total).fill(-1);
    for (const [row, ok] of correct) if (row < total) values[row] = ok ? 1 : 0;
    return { field, kind: "category", labels: ["wrong", "right"], values, note: "rows evaluated in the run's latest evaluation; the others are grey" };
  }
  if (field.startsWith(COLUMN_PREFIX)) {
    const column = field.slice(COLUMN_PREFIX.length);
    if (!dataset.examples || !datasetColumns(dataset).includes(column)) return undefined;
    const raw = dataset.examples.map((example) => example.extra?.[column]);
    if (raw.every((value) => value === undefined || value === null || typeof value === "number")) {
      const values: Array<number | null> = new Array(total).fill(null);
      let min = Infinity;
      let max = -Infinity;
      raw.forEach((value, i) => {
        if (typeof value !== "number" || !Number.isFinite(value) || i >= meta.rows) return;
        values[i] = value;
        min = Math.min(min, value);
        max = Math.max(max, value);
      });
      return { field, kind: "numeric", min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 0, values };
    }
    const frequency = new Map<string, number>();
    for (const value of raw) if (value !== undefined && value !== null) frequency.set(String(value), (frequency.get(String(value)) ?? 0) + 1);
    const ranked = [...frequency.entries()].sort((a, b) => b[1] - a[1]);
    const labels = ranked.slice(0, ranked.length > MAX_CATEGORIES ? MAX_CATEGORIES - 1 : MAX_CATEGORIES).map(([label]) => label);
    const other = ranked.length > MAX_CATEGORIES ? labels.push("other") - 1 : -1;
    const codeOf = new Map(labels.map((label, code) => [label, code] as const));
    const values: number[] = new Array(total).fill(-1);
    raw.forEach((value, i) => {
      if (value === undefined || value === null || i >= meta.rows) return;
      values[i] = codeOf.get(String(value)) ?? other;
    });
    return { field, kind: "category", labels, values };
  }
  return undefined;
}

/** Columns of the dataset besides question and answer that hold scalars (strings, numbers, booleans). */
function datasetColumns(dataset: MapViewDataset): string[] {
  const first = dataset.examples?.slice(0, 200) ?? [];
  const columns = new Set<string>();
  for (const example of first) {
    for (const [key, value] of Object.entries(example.extra ?? {})) {
      if (["string", "number", "boolean"].includes(typeof value)) columns.add(key);
    }
  }
  return [...columns].sort();
}

const accuracyCache = new WeakMap<MapViewModel, Map<number, boolean>>();

/**
 * Right or wrong per dataset row, from the run's latest evaluation of items that are rows of this
 * map (a loop evaluates the student on its seeds). The database is opened read-only; a run still
 * being written is read through SQLite's WAL.
 */
function accuracyByRow(model: MapViewModel): Map<number, boolean> {
  const cached = accuracyCache.get(model);
  if (cached) return cached;
  const result = new Map<number, boolean>();
  accuracyCache.set(model, result);
  const path = join(model.runDir, RUN_DATABASE_FILE);
  if (!existsSync(path)) return result;
  const db = new DatabaseConstructor(path, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'evaluations'").get();
    if (!hasTable) return result;
    const latest = db.prepare("SELECT name FROM evaluations ORDER BY created_at DESC LIMIT 1").pluck().get() as string | undefined;
    if (!latest) return result;
    const rowOfId = new Map(model.map.ids.map((id, index) => [id, index] as const));
    for (const item of db.prepare("SELECT item_id, correct FROM evaluation_items WHERE evaluation = ?").iterate(latest) as Iterable<{ item_id: string; correct: number }>) {
      const row = rowOfId.get(item.item_id);
      if (row !== undefined) result.set(row, item.correct === 1);
    }
  } finally {
    db.close();
  }
  return result;
}
