/** The closed loop (`gapfill loop`): select → generate → train → evaluate, round after round. */
export { runLoop, defaultTask } from "./run-loop.js";
export type { LoopOptions, LoopResult } from "./run-loop.js";
export { loopSummary } from "./loop-summary.js";
export type { LoopSummary, LoopRoundSummary, RoundEvaluation } from "./loop-summary.js";
export { LOOP_STRATEGIES, evaluationName, studentErrors } from "./round-targets.js";
export type { LoopStrategy } from "./round-targets.js";
export { readRounds, readScores } from "./loop-store.js";
export type { RoundRecord, SeedScore } from "./loop-store.js";
export { loopRecords, roundKey } from "./training-data.js";
