/** The run directory: SQLite state, the run lock, atomic and durable file writes, float32 matrices. */
export { openRun, RUN_DATABASE_FILE } from "./run.js";
export type { OpenRunOptions, Run } from "./run.js";
export { defaultRunDir } from "./default-run-dir.js";
export { migrate, migrations, schemaVersion, SCHEMA_VERSION } from "./migrations.js";
export type { Migration, MigrateResult } from "./migrations.js";
export { acquireRunLock, LOCK_FILE } from "./run-lock.js";
export type { LockInfo, RunLock, AcquireRunLockOptions } from "./run-lock.js";
export { atomicWriteFile, atomicWriteLines, appendJsonlDurable } from "./atomic-write.js";
export {
  writeFloat32Matrix,
  readFloat32Matrix,
  readFloat32Rows,
  float32RowBlocks,
  float32MatrixShape,
  openFloat32MatrixAppender,
  FLOAT32_MATRIX_HEADER_BYTES,
} from "./float32-matrix.js";
export type { Float32Matrix, Float32MatrixAppender } from "./float32-matrix.js";
export { gapfillVersion } from "./gapfill-version.js";
export { beginStage, finishStage, getStage } from "./stage-state.js";
export { canonicalJson } from "./canonical-json.js";
export { datasetDigest, digestLines } from "./digest.js";
export type { StageRecord, StageBegin } from "./stage-state.js";
export { readJsonArtifact, parseJsonArtifact, writeJsonArtifact, ArtifactError } from "./json-artifact.js";
export type { JsonArtifactFormat } from "./json-artifact.js";
