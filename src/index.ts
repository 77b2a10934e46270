/**
 * gapfill's library API: the same stages the CLI runs, as functions. Progress comes back as
 * typed events through each stage's `onEvent`; state lives in a run directory (`openRun`).
 */
export * from "./core/errors.js";
export type * from "./core/engine.js";
export type * from "./core/example.js";
export type * from "./core/events.js";

export { openDataset, readAll } from "./data/read-dataset.js";
export type { DatasetReader, ReadOptions } from "./data/read-dataset.js";
export { formatRecord, toJsonlLines } from "./data/write-dataset.js";
export { MinHashIndex, findDuplicates } from "./data/near-duplicates.js";
export { extractAnswer, answersEquivalent, normalizeAnswer, parseNumericAnswer } from "./data/answers/index.js";

export { openRun, defaultRunDir } from "./store/index.js";
export type { Run } from "./store/index.js";

export { createEngine } from "./engines/create-engine.js";
export { parseEngineSpec } from "./engines/engine-spec.js";
export { RequestCache } from "./engines/request-cache.js";
export { exportBatch, importBatch } from "./engines/batch/index.js";

export { inspectDataset } from "./pipeline/inspect.js";
export type { InspectReport } from "./pipeline/inspect.js";
export { mapDataset } from "./pipeline/map/map-dataset.js";
export type { MapArtifact, MapResult, MapOptions } from "./pipeline/map/map-dataset.js";
export { readMapArtifact, MAP_ARTIFACT_VERSION } from "./pipeline/map/map-artifact.js";
export { datasetDigest } from "./store/digest.js";
export { canonicalJson } from "./store/canonical-json.js";
export { readJsonArtifact, writeJsonArtifact, ArtifactError } from "./store/json-artifact.js";
export type { JsonArtifactFormat } from "./store/json-artifact.js";

export * from "./strategies/index.js";

export { generateExamples, prepareGenerate } from "./pipeline/generate/generate-examples.js";
export type { GenerateOptions, GenerateSetup } from "./pipeline/generate/generate-examples.js";
export type { GenerateResult } from "./pipeline/generate/generate-summary.js";
export { runGeneration } from "./pipeline/generate/run-generation.js";
export type { GenerationJob, GenerationResult } from "./pipeline/generate/run-generation.js";
export { runTeacherAttempt } from "./pipeline/generate/teacher-attempt.js";
export type { AttemptOutcome, AttemptSettings } from "./pipeline/generate/teacher-attempt.js";
export { exportSynthetic } from "./pipeline/generate/export-synthetic.js";
export * from "./pipeline/loop/index.js";
export * from "./pipeline/train/index.js";
export * from "./pipeline/evaluate/index.js";
export { compareRuns, loadComparedRun } from "./pipeline/compare/compare-runs.js";
export type { Comparison, ComparedRun, PairedComparison } from "./pipeline/compare/compare-runs.js";
export { checkEngine } from "./pipeline/check-engine.js";
