import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Engine } from "../../core/engine.js";
import { RunStateError } from "../../core/errors.js";
import type { Example } from "../../core/example.js";
import { type ProgressListener } from "../../core/events.js";
import { readAll, type ReadOptions } from "../../data/read-dataset.js";
import { datasetDigest } from "../../store/digest.js";
import type { Run } from "../../store/run.js";
import type { EmbeddingMode } from "../map/embed-examples.js";
import { type MapArtifact, readMapArtifact } from "../map/map-artifact.js";
import { mapDataset } from "../map/map-dataset.js";
import { NgramIndex } from "./decontamination.js";

/** The dataset and its map. */
export interface GenerateInputs {
  examples: Example[];
  map: MapArtifact;
}

/**
 * Reads the dataset and the run's map (`map.json`), running the map first when the run has
 * none (with the student when one is given, else the lexical embedder). A map made from other
 * data is refused: its pairs and cells would not belong to this dataset.
 */
export async function loadGenerateInputs(
  datasetPath: string,
  run: Run,
  options: ReadOptions & { student?: Engine; embedding?: EmbeddingMode; pairs?: number; seed?: number; onEvent: ProgressListener },
): Promise<GenerateInputs> {
  const mapPath = run.path("map.json");
  if (!existsSync(mapPath)) {
    options.onEvent({ type: "notice", stage: "map", message: `no map in ${run.dir}: mapping ${datasetPath} first (${options.student ? `student ${options.student.spec}` : "lexical embedder"})` });
    const result = await mapDataset(datasetPath, run, {
      ...options,
      student: options.student?.capabilities.has("embed") ? options.student : undefined,
      embedding: options.embedding,
      pairs: options.pairs,
      seed: options.seed,
    });
    return { examples: result.examples, map: result.artifact };
  }
  const map = readMapArtifact(mapPath);
  if (map.embedder.kind === "precomputed") {
    // The pairs were chosen among those vectors; a student decodes its own token embeddings of the seed questions, which needs no vector of the map.
    const decoding = options.student ? `; the student ${options.student.spec} decodes its own token embeddings of each pair's seed questions` : "";
    options.onEvent({ type: "notice", stage: "generate", message: `the map in ${run.dir} was made from ${map.embedder.label}: its seed pairs come from that space${decoding}` });
  }
  const { examples } = await readAll(datasetPath, options);
  if (datasetDigest(examples) !== map.datasetDigest) {
    throw new RunStateError("run-dataset-changed", `run ${run.dir} was mapped from ${map.dataset} (other rows than ${datasetPath}); use a new run directory for this dataset`);
  }
  return { examples, map };
}

/** Where the decontamination n-grams come from, and how many there are. */
export interface Contamination {
  index: NgramIndex;
  files: string[];
  texts: number;
}

/**
 * Benchmark test sets to decontaminate against: the given files, or, when none are given, the
 * dataset's sibling `test.jsonl` (GSM8K's layout) if there is one — said in a notice. `false`
 * turns it off.
 */
export async function loadContamination(datasetPath: string, files: string[] | false | undefined, n: number, onEvent: ProgressListener): Promise<Contamination | undefined> {
  let chosen: string[];
  if (files === false) return undefined;
  if (files === undefined || files.length === 0) {
    const sibling = join(dirname(resolve(datasetPath)), "test.jsonl");
    if (!existsSync(sibling) || resolve(sibling) === resolve(datasetPath)) return undefined;
    onEvent({ type: "notice", stage: "generate", message: `decontaminating against ${sibling} (the dataset's sibling ${basename(sibling)}; turn decontamination off to skip it)` });
    chosen = [sibling];
  } else chosen = files;
  const index = new NgramIndex(n);
  let texts = 0;
  for (const file of chosen) {
    const { examples } = await readAll(file, {});
    for (const example of examples) {
      index.add(`${file}:${example.source.line}`, `${example.question}\n${example.answer}`);
      texts++;
    }
  }
  return { index, files: chosen, texts };
}
