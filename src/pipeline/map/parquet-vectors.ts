import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { AsyncBuffer, FileMetaData, SchemaTree } from "hyparquet";
import { InputError, OptionError } from "../../core/errors.js";
import type { FloatElement } from "../../store/float-region.js";

/** A vector column of a Parquet file: one list of floats per row. */
export interface ParquetVectorColumn {
  column: string;
  rows: number;
  cols: number;
  element: FloatElement;
  /** Rows per row group, in order: each group is decoded whole, once. */
  groups: number[];
}

/** Top-level columns that are a list of FLOAT/DOUBLE (3-level LIST, 2-level legacy list, or a repeated float field). */
function vectorColumns(tree: SchemaTree): Map<string, FloatElement> {
  const found = new Map<string, FloatElement>();
  for (const child of tree.children) {
    const leaf = listLeaf(child);
    if (leaf?.element.type === "FLOAT") found.set(child.element.name, "float32");
    else if (leaf?.element.type === "DOUBLE") found.set(child.element.name, "float64");
  }
  return found;
}

function listLeaf(node: SchemaTree): SchemaTree | undefined {
  if (node.children.length === 0) return node.element.repetition_type === "REPEATED" ? node : undefined;
  const isList = node.element.converted_type === "LIST" || node.element.logical_type?.type === "LIST";
  if (!isList || node.children.length !== 1) return undefined;
  const repeated = node.children[0];
  if (repeated.element.repetition_type !== "REPEATED") return undefined;
  if (repeated.children.length === 0) return repeated;
  return repeated.children.length === 1 && repeated.children[0].children.length === 0 ? repeated.children[0] : undefined;
}

async function openParquet(path: string): Promise<{ file: AsyncBuffer; metadata: FileMetaData }> {
  const file = await asyncBufferFromFile(path);
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (error) {
    throw new InputError("invalid-parquet", `${path}: cannot read Parquet metadata (${(error as Error).message})`, { file: path, cause: error });
  }
}

/**
 * Finds the vector column (`column`, or the only list-of-float column) and its length, read
 * from the first row. No such column, or several without a choice, is an error listing them.
 */
export async function describeParquetVectors(path: string, column?: string): Promise<ParquetVectorColumn> {
  const { file, metadata } = await openParquet(path);
  const candidates = vectorColumns(parquetSchema(metadata));
  const names = [...candidates.keys()];
  let chosen: string;
  if (column !== undefined) {
    if (!candidates.has(column)) {
      const all = parquetSchema(metadata).children.map((child) => child.element.name);
      const detail = all.includes(column) ? `is not a list of float or double` : `is not a column of it (columns: ${all.join(", ")})`;
      throw new OptionError("embeddingColumn", `${column}: in ${path} it ${detail}; vector columns there: ${names.length ? names.join(", ") : "none"}`, {
        relatedOptions: ["embeddings"],
      });
    }
    chosen = column;
  } else if (names.length === 1) chosen = names[0];
  else if (names.length === 0) {
    throw new InputError("no-vector-column", `${path} has no column that is a list of float or double (columns: ${parquetSchema(metadata).children.map((child) => child.element.name).join(", ")})`, {
      file: path,
    });
  } else {
    throw new OptionError("embeddingColumn", `must name the vector column of ${path}: it has ${names.length} (${names.join(", ")})`, { relatedOptions: ["embeddings"] });
  }
  const rows = Number(metadata.num_rows);
  const groups = metadata.row_groups.map((group) => Number(group.num_rows));
  let cols = 0;
  if (rows > 0) {
    const [first] = await parquetReadObjects({ file, metadata, columns: [chosen], rowStart: 0, rowEnd: 1 });
    cols = vectorOf(path, chosen, first?.[chosen], 0).length;
  }
  return { column: chosen, rows, cols, element: candidates.get(chosen) ?? "float32", groups };
}

/**
 * The column's vectors as float32 blocks, one row group at a time (hyparquet decodes a group
 * whole; decoding part of one costs the whole group again). A null vector, one of another
 * length, or a NaN/Inf is an error naming its row.
 */
export async function* parquetVectorBlocks(path: string, vectors: ParquetVectorColumn): AsyncGenerator<{ start: number; rows: number; data: Float32Array }> {
  const { file, metadata } = await openParquet(path);
  const { column, cols } = vectors;
  let start = 0;
  for (const groupRows of vectors.groups) {
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, columns: [column], rowStart: start, rowEnd: start + groupRows });
    } catch (error) {
      throw new InputError("invalid-parquet", `${path}: cannot read rows ${start}-${start + groupRows - 1} (${(error as Error).message})`, { file: path, cause: error });
    }
    const data = new Float32Array(rows.length * cols);
    for (let i = 0; i < rows.length; i++) {
      const row = start + i;
      const vector = vectorOf(path, column, rows[i][column], row);
      if (vector.length !== cols) {
        throw new InputError("vector-length", `${path}: row ${row} (0-based) of column ${column} has ${vector.length} values, row 0 has ${cols}: every vector must have the same length`, {
          file: path,
          line: row + 1,
        });
      }
      for (let c = 0; c < cols; c++) {
        const value = Number(vector[c]);
        if (!Number.isFinite(value)) throw nonFiniteVector(path, row, c, value);
        data[i * cols + c] = value;
      }
    }
    yield { start, rows: rows.length, data };
    start += groupRows;
  }
}

function vectorOf(path: string, column: string, value: unknown, row: number): ArrayLike<unknown> {
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return value as ArrayLike<unknown>;
  throw new InputError("vector-missing", `${path}: row ${row} (0-based) of column ${column} holds ${value === null || value === undefined ? "no vector (null)" : typeof value}, not a list of numbers`, {
    file: path,
    line: row + 1,
  });
}

/** A NaN or infinite value in a vector file: the row (0-based, as numpy counts) and the column. */
export function nonFiniteVector(path: string, row: number, col: number, value: number): InputError {
  return new InputError("non-finite-vector", `${path}: row ${row} (0-based) holds ${value} at position ${col}: every vector must be finite (NaN/Inf would make the map meaningless)`, {
    file: path,
    line: row + 1,
  });
}
