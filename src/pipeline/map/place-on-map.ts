import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { InputError, OptionError } from "../../core/errors.js";
import { type ProgressListener, silent } from "../../core/events.js";
import { readAll, type ReadOptions } from "../../data/read-dataset.js";
import { fitLexicalModel, transformLexical } from "../../geometry/lexical-transform.js";
import { openRun } from "../../store/run.js";
import { datasetDigest } from "../../store/digest.js";
import { getStage } from "../../store/stage-state.js";
import { readFloat32Matrix, readFloat32Rows } from "../../store/float32-matrix.js";
import { embedExamples, embedTexts, type EmbeddingMode } from "./embed-examples.js";
import { MAP_FILE, type MapArtifact, readMapArtifact } from "./map-artifact.js";
import { NEAREST_PLACEMENT_K, needsNearestPlacement, placeOnNonlinearMap } from "./place-nonlinear.js";

/** Benchmark questions placed on a training map. */
export interface MapPlacement {
  map: MapArtifact;
  /** `rows × dims` map coordinates of the questions, in the map's reduced space. */
  points: Float64Array;
  dims: number;
  /** How the questions were embedded and projected, in words. */
  method: string;
  /** Caveats to show with the results (approximate placement…). */
  notes: string[];
}

export interface PlaceOptions {
  /** The student engine, required when the map was made with one (the same spec). */
  student?: Engine;
  /** Where the questions' student embeddings are kept (a float32 file in the caller's run), so a rerun does not embed again; omitted: embedded in memory. */
  embeddingsPath?: string;
  /** The map dataset's questions in map order, when the caller has them: saves reading the dataset again for the lexical refit. */
  datasetQuestions?: readonly string[];
  /** How the map's dataset is read again for the lexical embedder (field overrides used by `gapfill map`). */
  readOptions?: ReadOptions;
  onEvent?: ProgressListener;
}

/**
 * Places benchmark questions on a training map with the map's own embedder and reducer: a
 * student map embeds them with the same student and mode; a lexical map refits the TF-IDF + SVD
 * model on the map's dataset (never on the questions), checks it reproduces the stored
 * embeddings, and transforms the questions with it. Both are then projected with the map's
 * fitted PCA (x − mean)·Vᵀ or SVD x·Vᵀ model.
 */
export async function placeOnMap(mapDir: string, questions: readonly string[], options: PlaceOptions): Promise<MapPlacement> {
  const map = readMapArtifact(mapDir);
  const notes: string[] = [];
  const reducer = needsNearestPlacement(map)
    ? `placed at the mean ${map.reducer.name.toUpperCase()} position of the ${NEAREST_PLACEMENT_K} nearest training embeddings`
    : `projected with the map's fitted ${map.reducer.name.toUpperCase()} model`;
  let vectors: Float32Array;
  let method: string;
  checkPlaceable(mapDir, map, options.student);
  if (map.embedder.kind === "lexical") {
    vectors = await lexicalVectors(mapDir, map, questions, options, notes);
    method = `lexical TF-IDF + SVD fitted on the map's dataset (never on the placed texts), ${reducer}`;
  } else {
    const student = options.student as Engine;
    const mode = map.embedder.mode ?? "pooled";
    if (mode === "input-idf") notes.push("input-idf: token IDF weights come from the placed texts (the map's IDF table is not stored), so placement is approximate");
    vectors = await studentVectors(student, mode, questions, options);
    if (vectors.length !== questions.length * map.embeddingDims) {
      throw new InputError("map-mismatch", `the student's embeddings have ${vectors.length / Math.max(1, questions.length)} dims, the map in ${mapDir} ${map.embeddingDims}: is it the same model?`, {
        file: join(mapDir, MAP_FILE),
        field: "embeddingDims",
      });
    }
    method = `student ${student.spec} (${mode}), ${reducer}`;
  }
  // UMAP/t-SNE maps have no projection: the nearest training embeddings place each question.
  const points = needsNearestPlacement(map) ? await placeOnNonlinearMap(mapDir, map, vectors, questions.length) : project(map, vectors, questions.length);
  return { map, points, dims: map.reducer.dims, method, notes };
}

/**
 * Throws what {@link placeOnMap} would refuse before it embeds anything: a map of precomputed
 * vectors (no model here makes vectors in their space), or a student map without that student.
 * Callers that pay for work before placing (eval) call it first; `map` is read when not given.
 */
export function checkPlaceable(mapDir: string, map: MapArtifact = readMapArtifact(mapDir), student?: Engine): void {
  if (map.embedder.kind === "precomputed") {
    // gapfill holds the vectors, not the model that made them: a new text has no vector in that space.
    throw new InputError(
      "map-precomputed",
      `the map in ${mapDir} was made from ${map.embedder.label}: gapfill cannot embed new texts into that space, so they cannot be placed on it (map with a student to place texts)`,
      { file: join(mapDir, MAP_FILE), field: "embedder" },
    );
  }
  if (map.embedder.kind === "student" && (!student || student.spec !== map.embedder.spec)) {
    const given = student ? `${student.spec}:` : "missing:";
    throw new OptionError("student", `${given} the map in ${mapDir} was made with the student ${map.embedder.spec}; pass that student to place texts on it`, {
      code: "map-student-mismatch",
    });
  }
}

async function studentVectors(student: Engine, mode: EmbeddingMode, questions: readonly string[], options: PlaceOptions): Promise<Float32Array> {
  if (!options.embeddingsPath) return (await embedTexts(student, mode, questions, "place")).data;
  const examples: Example[] = questions.map((question, i) => ({ id: String(i), question, answer: "", source: { file: "placed", line: i + 1 } }));
  await embedExamples(examples, options.embeddingsPath, { engine: student, mode, onEvent: options.onEvent ?? silent });
  return (await readFloat32Matrix(options.embeddingsPath)).data;
}

async function lexicalVectors(mapDir: string, map: MapArtifact, questions: readonly string[], options: PlaceOptions, notes: string[]): Promise<Float32Array> {
  const texts = options.datasetQuestions ?? (await mapDatasetQuestions(mapDir, map, options.readOptions ?? {}));
  const seed = await embedSeed(mapDir, notes);
  const model = fitLexicalModel(texts, { seed, dims: map.embeddingDims });
  // The refit must reproduce the map's own vectors, or the questions would land on another map.
  const check = Math.min(16, texts.length);
  const stored = await readFloat32Rows(join(mapDir, "embeddings.f32"), 0, check);
  const again = transformLexical(model, texts.slice(0, check));
  let worst = 0;
  for (let i = 0; i < stored.length; i++) worst = Math.max(worst, Math.abs(stored[i] - again[i]));
  if (worst > 1e-3) notes.push(`the refit lexical model differs from the map's stored embeddings by up to ${worst.toExponential(1)}: placement is approximate`);
  return questions.length === 0 ? new Float32Array(0) : transformLexical(model, questions);
}

async function mapDatasetQuestions(mapDir: string, map: MapArtifact, readOptions: ReadOptions): Promise<string[]> {
  if (!existsSync(map.dataset)) {
    throw new InputError("map-dataset-missing", `the lexical map ${mapDir} was made from ${map.dataset}, which is not there now: its TF-IDF model is refit from that file`, {
      file: map.dataset,
    });
  }
  const { examples } = await readAll(map.dataset, readOptions);
  const digest = datasetDigest(examples);
  if (digest !== map.datasetDigest) {
    throw new InputError("map-dataset-changed", `${map.dataset} changed since the map was made (or was read with other field options): the lexical model cannot be refit`, { file: map.dataset });
  }
  return examples.map((example) => example.question);
}

async function embedSeed(mapDir: string, notes: string[]): Promise<number> {
  try {
    const run = await openRun(mapDir, { command: "eval", readonly: true });
    try {
      const seed = getStage(run.db, "embed")?.params?.seed;
      return typeof seed === "number" ? seed : 0;
    } finally {
      run.close();
    }
  } catch (error) {
    notes.push(`the map run's embed seed could not be read (${(error as Error).message}); seed 0 assumed`);
    return 0;
  }
}

/** The map's reducer applied to new vectors: PCA (x − mean)·Vᵀ, truncated SVD x·Vᵀ. */
function project(map: MapArtifact, vectors: Float32Array, rows: number): Float64Array {
  const { components, cols, k } = map.reducer.model;
  const mean = map.reducer.model.mean;
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += (vectors[r * cols + c] - (mean ? mean[c] : 0)) * components[j * cols + c];
      out[r * k + j] = sum;
    }
  }
  return out;
}
