/** The closed loop (`gapfill loop`): select → generate → train → evaluate, round after round. */
export { runLoop, prepareLoop, generateRound, trainRound, evaluateRound, finishLoop } from "./run-loop.js";
export type { LoopOptions, LoopResult, LoopSetup } from "./run-loop.js";
export { loopSummary } from "./loop-summary.js";
export type { LoopSummary, LoopRoundSummary, RoundEvaluation } from "./loop-summary.js";
export { evaluationName, planRound, studentErrors } from "./round-plan.js";
export { readRounds, readScores } from "./loop-store.js";
export type { RoundRecord, SeedScore } from "./loop-store.js";
export { loopRecords, roundKey } from "./training-data.js";
