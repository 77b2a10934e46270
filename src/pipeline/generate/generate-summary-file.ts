import { join } from "node:path";
import { z } from "zod";
import { type JsonArtifactFormat, readJsonArtifact, writeJsonArtifact } from "../../store/json-artifact.js";
import type { GenerateResult } from "./generate-summary.js";

const count = z.number().int().nonnegative();
const share = z.number().nullable();

/** The fields of `generate-<strategy>.json` that readers use (the report); the rest is kept as written. */
const schema = z
  .object({
    strategy: z.string(),
    budget: count,
    accepted: count,
    attempts: count,
    stopped: z.string(),
    rejected: z.record(count),
    teacher: z.object({ spec: z.string(), model: z.string(), requests: count, cached: count, promptTokens: count, completionTokens: count }).passthrough(),
    decode: z.object({ requested: z.boolean(), used: z.boolean(), note: z.string().optional() }).passthrough(),
    targeting: z
      .object({
        method: z.string(),
        targetHitRate: share,
        sparseHitRate: z.number(),
        datasetSparseShare: z.number(),
        sparseCells: z.object({ cells: count, pointsBefore: count, pointsAdded: count, risePercent: z.number(), liftedToT: count }).passthrough(),
        points: z.array(z.object({ x: z.number(), y: z.number(), nearSparse: z.boolean() }).passthrough()),
      })
      .passthrough()
      .nullable(),
    targetingNote: z.string().optional(),
    seconds: z.number(),
  })
  .passthrough();

/** `generate-<strategy>.json`: version 1 added the version field (nothing else changed). */
export const GENERATE_SUMMARY_FORMAT: JsonArtifactFormat<GenerateResult> = {
  name: "generate summary",
  version: 1,
  schema: schema as unknown as JsonArtifactFormat<GenerateResult>["schema"],
  migrations: { 0: (document) => document },
};

/** Where a strategy's generate summary lives in a run directory. */
export function generateSummaryPath(runDir: string, strategy: string): string {
  return join(runDir, `generate-${strategy}.json`);
}

/** Reads and checks a strategy's generate summary (the file and the bad field are named when it does not hold). */
export function readGenerateSummary(runDir: string, strategy: string): GenerateResult {
  return readJsonArtifact(generateSummaryPath(runDir, strategy), GENERATE_SUMMARY_FORMAT);
}

/** Writes a strategy's generate summary atomically, with its version. */
export function writeGenerateSummary(runDir: string, result: GenerateResult): Promise<void> {
  return writeJsonArtifact(generateSummaryPath(runDir, result.strategy), GENERATE_SUMMARY_FORMAT, result);
}
