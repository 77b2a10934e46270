import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Example } from "../../core/example.js";
import { readAll } from "../../data/read-dataset.js";
import type { MapArtifact } from "../../pipeline/map/map-artifact.js";

/** The dataset's rows behind a map, for texts on demand and search; or why they cannot be shown. */
export interface MapViewDataset {
  examples: Example[] | null;
  note: string | null;
  /** The seeds' texts, from map.json itself: shown even when the dataset file is gone. */
  seedTexts: Map<number, MapViewText>;
}

/** One row as the page shows it (hover, table). */
export interface MapViewText {
  index: number;
  id: string;
  question: string;
  answer: string;
  extra?: Record<string, unknown>;
}

/** Rows asked for at once, at most: the page fetches texts in pages, never the whole set. */
export const MAX_TEXTS_PER_REQUEST = 1_000;

/**
 * Reads the dataset the map was made from (map.json's `dataset`, as given on the command line:
 * relative to the working directory, else to the run's parent folder). Its ids must be the map's,
 * row for row: texts of another file would be shown on the wrong points, so they are not shown.
 * `known` are the map's own rows when the caller holds them.
 */
export async function loadMapViewDataset(map: MapArtifact, runDir: string, known?: readonly Example[]): Promise<MapViewDataset> {
  const seedTexts = new Map<number, MapViewText>();
  for (const pair of map.pairs) for (const seed of pair.seeds) seedTexts.set(seed.index, { index: seed.index, id: seed.id, question: seed.question, answer: seed.answer });
  // The rows the map was just made from (the map command): not read again.
  const found = known ? { examples: [...known], note: null } : await readDatasetOfMap(map, runDir);
  return { ...found, seedTexts };
}

async function readDatasetOfMap(map: MapArtifact, runDir: string): Promise<{ examples: Example[] | null; note: string | null }> {
  const candidates = isAbsolute(map.dataset) ? [map.dataset] : [resolve(map.dataset), resolve(dirname(runDir), map.dataset), resolve(runDir, map.dataset)];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (!path) return { examples: null, note: `the dataset ${map.dataset} is not there any more: texts are shown only for seeds and generated examples` };
  let examples: Example[];
  try {
    examples = (await readAll(path)).examples;
  } catch (error) {
    return { examples: null, note: `the dataset ${map.dataset} could not be read (${(error as Error).message}): texts are shown only for seeds and generated examples` };
  }
  const same = examples.length === map.ids.length && examples.every((example, index) => example.id === map.ids[index]);
  if (!same) return { examples: null, note: `the dataset ${map.dataset} changed since it was mapped (its ids differ): texts are shown only for seeds and generated examples` };
  return { examples, note: null };
}

/** The rows at `indices` (out-of-range ones skipped), texts in full. */
export function textsOf(dataset: MapViewDataset, indices: readonly number[]): MapViewText[] {
  const examples = dataset.examples;
  const texts: MapViewText[] = [];
  for (const index of indices.slice(0, MAX_TEXTS_PER_REQUEST)) {
    const example = examples?.[index];
    if (!example) {
      const seed = dataset.seedTexts.get(index);
      if (seed) texts.push(seed);
      continue;
    }
    texts.push({ index, id: example.id, question: example.question, answer: example.answer, ...(example.extra ? { extra: example.extra } : {}) });
  }
  return texts;
}

const searchIndexes = new WeakMap<Example[], string[]>();

/** Rows whose question or answer holds `query` (case-insensitive), in row order, up to `limit`; and how many hold it. */
export function searchTexts(dataset: MapViewDataset, query: string, limit = 50_000): { indices: number[]; total: number } {
  const examples = dataset.examples;
  const needle = query.trim().toLowerCase();
  if (!examples || needle === "") return { indices: [], total: 0 };
  let haystacks = searchIndexes.get(examples);
  if (!haystacks) {
    haystacks = examples.map((example) => `${example.question}\n${example.answer}`.toLowerCase());
    searchIndexes.set(examples, haystacks);
  }
  const indices: number[] = [];
  let total = 0;
  for (let i = 0; i < haystacks.length; i++) {
    if (!haystacks[i].includes(needle)) continue;
    total++;
    if (indices.length < limit) indices.push(i);
  }
  return { indices, total };
}
