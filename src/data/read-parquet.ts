import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import type { FileMetaData } from "hyparquet";
import { InputError } from "../core/errors.js";
import { throwIfAborted, type RawItem, type RowSource } from "./row-source.js";

/**
 * Parquet through hyparquet, one row group at a time: only the current group's rows are
 * in memory, so a file written with sensible row groups streams. Rows are numbered from 1
 * in messages (`file:row 3`). INT64 values become numbers when they fit, else strings, so
 * rows print as JSON and ids agree with the text formats.
 */
export function readParquet(path: string, size: number, signal?: AbortSignal): RowSource {
  let bytesDone = 0;
  async function* batches(): AsyncGenerator<RawItem[], void, undefined> {
    const file = await asyncBufferFromFile(path);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (error) {
      throw new InputError("invalid-parquet", `${path}: cannot read Parquet metadata (${(error as Error).message})`, { file: path, cause: error });
    }
    const compressedTotal = metadata.row_groups.reduce((sum, group) => sum + Number(group.total_compressed_size ?? group.total_byte_size), 0) || 1;
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      throwIfAborted(signal);
      const rowEnd = rowStart + Number(group.num_rows);
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
      } catch (error) {
        throw new InputError("invalid-parquet", `${path}: cannot read rows ${rowStart + 1}-${rowEnd} (${(error as Error).message})`, {
          file: path,
          cause: error,
        });
      }
      bytesDone += (size * Number(group.total_compressed_size ?? group.total_byte_size)) / compressedTotal;
      const first = rowStart + 1;
      yield rows.map((row, index): RawItem => ({ kind: "row", line: first + index, value: plainValue(row) }));
      rowStart = rowEnd;
    }
    bytesDone = size;
  }
  return { batches: batches(), bytesRead: () => Math.round(bytesDone), where: (line) => `${path}:row ${line}` };
}

/**
 * Replaces bigints (which JSON cannot print) by numbers when exact, else decimal strings.
 * A value without bigints comes back as it is, not copied: most rows have none.
 */
function plainValue(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const inner = value[index];
      if (!Object.is(plainValue(inner), inner)) return value.map(plainValue);
    }
    return value;
  }
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const inner = record[key];
      if (Object.is(plainValue(inner), inner)) continue;
      const out: Record<string, unknown> = {};
      for (const [name, kept] of Object.entries(record)) out[name] = plainValue(kept);
      return out;
    }
    return value;
  }
  return value;
}
