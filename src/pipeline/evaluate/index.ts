/** Evaluation of a student: verdicts, per-item signals, density vs accuracy (used by `gapfill eval` and the closed loop). */
export { evaluateStudent, continuationAfter } from "./evaluate-student.js";
export type { EvaluateOptions, EvaluationResult } from "./evaluate-student.js";
export { readEvaluatedItems, readEvaluationRecord, listEvaluations } from "./evaluation-store.js";
export type { EvaluatedItem, EvaluationRecord } from "./evaluation-store.js";
export { loadEvalTemplate, renderEvalPrompt, PROMPT_STYLES } from "./eval-prompt.js";
export type { EvalTemplate, PromptStyle } from "./eval-prompt.js";
export { answerDistribution } from "./answer-entropy.js";
export { densityAccuracy, cellOfMapPoint } from "./density-accuracy.js";
export type { DensityAccuracy, DensityRegion, TrainingGrid } from "./density-accuracy.js";
export { placeOnMap } from "../map/place-on-map.js";
export { readMapArtifact } from "../map/map-artifact.js";
export type { MapPlacement, PlaceOptions } from "../map/place-on-map.js";
