import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { InputError } from "../../core/errors.js";
import type { ProgressListener } from "../../core/events.js";
import { progress } from "../../core/events.js";
import { openFloat32MatrixAppender } from "../../store/float32-matrix.js";
import type { Run } from "../../store/run.js";
import { beginStage, finishStage, getStage } from "../../store/stage-state.js";
import type { EmbedderInfo, EmbeddingsFileInfo } from "./embed-examples.js";
import { checkEmbeddingsFile, embeddingsFileInfo, type EmbeddingsLayout, readEmbeddingsLayout, shapeOf } from "./embeddings-file.js";
import { type EmbeddingSource, fitsInMemory, openEmbeddingSource, openRegionSource } from "./embedding-source.js";
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
 * The embed stage for vectors made elsewhere. The file is checked once (row count and dims
 * against the dataset, every value finite, its sha256 as its identity); a later call with the
 * same file (same size and modification time) trusts that check and does not read it again
 * before the map reads it. .npy and .f32 vectors are read where they lie on every pass; a
 * Parquet column is decoded once into the run's embeddings.f32. The stage params hold the
 * file's sha256, so the run refuses other vectors as it refuses another student.
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

  const absolute = resolve(path);
  const modified = new Date(layout.mtimeMs).toISOString();
  const known = checkedBefore(run);
  const keep = layout.format !== "parquet" && fitsInMemory(rows, cols, options.inMemoryLimitBytes);
  let sha256: string;
  let loaded: Float32Array | undefined;
  if (known && known.path === absolute && known.bytes === layout.bytes && known.modified === modified) sha256 = known.sha256;
  else {
    const started = performance.now();
    onEvent(progress.start("embed", rows, `vectors checked in ${path}`));
    ({ sha256, loaded } = await checkEmbeddingsFile(layout, path, keep));
    onEvent(progress.end("embed", rows, (performance.now() - started) / 1000));
  }
  const file = embeddingsFileInfo(layout, absolute, sha256);

  const embeddingsPath = run.path("embeddings.f32");
  const params = { datasetDigest: dataset.digest, embedder: "precomputed", sha256, ...(layout.format === "parquet" ? { column: layout.parquet.column } : {}) };
  if (beginStage(run.db, "embed", params, run.dir) !== "done") {
    if (layout.format === "parquet") await decodeParquet(layout, path, embeddingsPath, onEvent);
    finishStage(run.db, "embed");
  }
  if (known?.sha256 !== sha256 || known.modified !== modified || known.path !== absolute) run.event("embed-done", { rows, truncated: 0, file });

  const source =
    layout.format === "parquet"
      ? await openEmbeddingSource(embeddingsPath, { inMemoryLimitBytes: options.inMemoryLimitBytes })
      : await openRegionSource(layout.region, { inMemoryLimitBytes: options.inMemoryLimitBytes, loaded });
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

/** The file as the last check in this run saw it, when the embed stage finished with precomputed vectors. */
function checkedBefore(run: Run): EmbeddingsFileInfo | undefined {
  const stage = getStage(run.db, "embed");
  if (stage?.status !== "done" || stage.params?.embedder !== "precomputed") return undefined;
  const payload = run.db.prepare("SELECT payload FROM events WHERE type = 'embed-done' ORDER BY id DESC LIMIT 1").pluck().get() as string | undefined;
  const file = payload === undefined ? undefined : (JSON.parse(payload) as { file?: EmbeddingsFileInfo }).file;
  return file && file.sha256 === stage.params.sha256 ? file : undefined;
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
 * value finite (a Parquet column decoded to see), and the file's sha256. Throws what the map would.
 */
export async function checkEmbeddingsFor(
  dataset: { path: string; rows: number },
  options: { embeddings: string; embeddingColumn?: string; embeddingDims?: number },
): Promise<EmbeddingsCheck> {
  const path = options.embeddings;
  const layout = await readEmbeddingsLayout({ path, column: options.embeddingColumn, dims: options.embeddingDims }, dataset.rows, dataset.path);
  const { sha256 } = await checkEmbeddingsFile(layout, path, false);
  if (layout.format === "parquet") for await (const block of parquetVectorBlocks(path, layout.parquet)) void block;
  return { file: embeddingsFileInfo(layout, resolve(path), sha256), ...shapeOf(layout) };
}
