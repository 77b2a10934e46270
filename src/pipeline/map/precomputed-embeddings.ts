import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { InputError } from "../../core/errors.js";
import { type ProgressListener, progress } from "../../core/events.js";
import { regionRowBlocks } from "../../store/float-region.js";
import { openFloat32MatrixAppender } from "../../store/float32-matrix.js";
import type { Run } from "../../store/run.js";
import { beginStage, finishStage } from "../../store/stage-state.js";
import type { EmbedderInfo, EmbeddingsFileInfo } from "./embed-examples.js";
import { checkFiniteRows, embeddingsDigest, embeddingsFileInfo, type EmbeddingsLayout, readEmbeddingsLayout, shapeOf } from "./embeddings-file.js";
import { type EmbeddingSource, openEmbeddingSource, openRegionSource } from "./embedding-source.js";
import { MAP_FILE, readMapArtifact } from "./map-artifact.js";
import { parquetVectorBlocks } from "./parquet-vectors.js";

/** Vectors made elsewhere (`gapfill map --embeddings FILE`), as the library takes them. */
export interface PrecomputedOptions {
  /** A .npy, .f32 or .parquet file with one vector per dataset row, in the dataset's order. */
  embeddings: string;
  /** Whose vectors they are (a model name): said in every artifact. */
  embedderName?: string;
  /** Parquet: the vector column. */
  embeddingColumn?: string;
  /** Vector length (raw .f32 without it: inferred from the dataset's row count). */
  embeddingDims?: number;
  inMemoryLimitBytes?: number;
  onEvent: ProgressListener;
}

/** The label every artifact carries for precomputed vectors. */
export function precomputedLabel(path: string, name: string | undefined): string {
  return name ? `precomputed vectors ${name} from ${path} (made outside gapfill)` : `unnamed vectors from ${path} (made outside gapfill)`;
}

/**
 * The embed stage for vectors made elsewhere. The header is checked against the dataset (row
 * count, dims) before anything else; the file's digest (a few MiB read, see
 * {@link embeddingsDigest}) is the stage's identity, so the run refuses other vectors as it
 * refuses another student; every value is checked finite as the map first reads it, so no extra
 * pass over a 6 GB file is made. .npy and .f32 vectors are read where they lie on every pass; a
 * Parquet column is decoded once into the run's embeddings.f32, and not again on a rerun.
 */
export async function precomputedEmbeddings(
  run: Run,
  dataset: { path: string; rows: number; digest: string },
  options: PrecomputedOptions,
): Promise<{ source: EmbeddingSource; embedder: EmbedderInfo }> {
  const { onEvent } = options;
  const path = options.embeddings;
  const layout = await readEmbeddingsLayout({ path, column: options.embeddingColumn, dims: options.embeddingDims }, dataset.rows, dataset.path);
  const { rows, cols } = shapeOf(layout);
  refuseOtherDims(run, path, cols);
  if (layout.format === "f32" && layout.inferredDims) {
    onEvent({ type: "notice", stage: "embed", message: `${path}: raw float32, ${layout.bytes} bytes = ${rows} rows (the dataset's) × ${cols} dims`, try: [{ option: "embeddingDims", value: cols }] });
  }
  if (!options.embedderName) {
    onEvent({
      type: "warning",
      stage: "embed",
      message: `the vectors in ${path} have no name: every artifact will call them "unnamed vectors from ${path}"`,
      try: [{ option: "embedderName", value: "MODEL" }],
    });
  }

  const file = embeddingsFileInfo(layout, resolve(path), await embeddingsDigest(layout, path));
  const embeddingsPath = run.path("embeddings.f32");
  const params = { datasetDigest: dataset.digest, embedder: "precomputed", digest: file.digest.value, ...(layout.format === "parquet" ? { column: layout.parquet.column } : {}) };
  if (beginStage(run.db, "embed", params, run.dir) !== "done") {
    if (layout.format === "parquet") await decodeParquet(layout, path, embeddingsPath, onEvent);
    finishStage(run.db, "embed");
  }
  // The file as each call found it (a touched file keeps its digest): the run's log says when it changed.
  const last = lastFile(run);
  if (last?.path !== file.path || last.modified !== file.modified || last.digest?.value !== file.digest.value) run.event("embed-done", { rows, truncated: 0, file });

  const source =
    layout.format === "parquet"
      ? await openEmbeddingSource(embeddingsPath, { inMemoryLimitBytes: options.inMemoryLimitBytes })
      : await openRegionSource(layout.region, { inMemoryLimitBytes: options.inMemoryLimitBytes, check: (data, startRow) => checkFiniteRows(path, data, startRow, cols) });
  const embedder: EmbedderInfo = {
    kind: "precomputed",
    label: precomputedLabel(path, options.embedderName),
    studentView: false,
    ...(options.embedderName ? { name: options.embedderName } : {}),
    file,
  };
  return { source, embedder };
}

/** A run that already has a map of other dims was made from other vectors: say both numbers before anything is read. */
function refuseOtherDims(run: Run, path: string, cols: number): void {
  if (!existsSync(run.path(MAP_FILE))) return;
  let previous: number;
  try {
    previous = readMapArtifact(run.path(MAP_FILE)).embeddingDims;
  } catch {
    return; // A map this gapfill cannot read is rewritten by this call; the embed stage's params still guard the vectors.
  }
  if (previous !== cols) {
    throw new InputError("embeddings-dims", `${path} holds vectors of ${cols} dims; the map in ${run.dir} was made from vectors of ${previous} dims: map these into a new run directory`, {
      file: path,
    });
  }
}

/** The vector file recorded by this run's last embed-done event, if any. */
function lastFile(run: Run): Partial<EmbeddingsFileInfo> | undefined {
  const payload = run.db.prepare("SELECT payload FROM events WHERE type = 'embed-done' ORDER BY id DESC LIMIT 1").pluck().get() as string | undefined;
  return payload === undefined ? undefined : (JSON.parse(payload) as { file?: Partial<EmbeddingsFileInfo> }).file;
}

/** A Parquet vector column into the run's float32 matrix, one row group at a time; a crash starts it over (it is deterministic). */
async function decodeParquet(layout: Extract<EmbeddingsLayout, { format: "parquet" }>, path: string, embeddingsPath: string, onEvent: ProgressListener): Promise<void> {
  await rm(embeddingsPath, { force: true });
  const { rows, cols } = layout.parquet;
  const started = performance.now();
  onEvent(progress.start("embed", rows, `vectors decoded from ${path}`));
  const appender = await openFloat32MatrixAppender(embeddingsPath, cols);
  try {
    for await (const block of parquetVectorBlocks(path, layout.parquet)) {
      await appender.append(block.data);
      onEvent(progress.tick("embed", block.start + block.rows, rows));
    }
    await appender.seal();
  } catch (error) {
    await appender.close();
    throw error;
  }
  onEvent(progress.end("embed", rows, (performance.now() - started) / 1000));
}

/** What {@link checkEmbeddingsFor} found: the file, its shape, and that every value is finite. */
export interface EmbeddingsCheck {
  file: EmbeddingsFileInfo;
  rows: number;
  cols: number;
}

/**
 * The checks `mapDataset` makes of a vector file, without mapping (for `gapfill inspect DATASET
 * --embeddings FILE`): row-aligned with a dataset of `datasetRows` rows, the vector length, every
 * value finite (the whole file read, a Parquet column decoded), and the file's digest. Throws what
 * the map would.
 */
export async function checkEmbeddingsFor(
  dataset: { path: string; rows: number },
  options: { embeddings: string; embeddingColumn?: string; embeddingDims?: number },
): Promise<EmbeddingsCheck> {
  const path = options.embeddings;
  const layout = await readEmbeddingsLayout({ path, column: options.embeddingColumn, dims: options.embeddingDims }, dataset.rows, dataset.path);
  const { cols } = shapeOf(layout);
  const blocks = layout.format === "parquet" ? parquetVectorBlocks(path, layout.parquet) : regionRowBlocks(layout.region, Math.max(64, Math.floor((64 << 20) / (cols * 4))));
  for await (const block of blocks) checkFiniteRows(path, block.data, block.start, cols);
  return { file: embeddingsFileInfo(layout, resolve(path), await embeddingsDigest(layout, path)), ...shapeOf(layout) };
}
