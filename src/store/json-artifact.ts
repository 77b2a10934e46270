import { readFileSync } from "node:fs";
import type { ZodType, ZodTypeDef } from "zod";
import { RunStateError } from "../core/errors.js";
import { atomicWriteFile } from "./atomic-write.js";

/**
 * How one JSON artifact of a run directory (map.json, a stage summary…) is written and read back.
 * Every artifact carries a top-level `version`; the reader moves older documents forward one
 * version at a time and refuses newer ones, so a file written by another gapfill either reads as
 * this one's shape or fails with the file and the field named, never half-trusted.
 */
export interface JsonArtifactFormat<T> {
  /** What the file is, for messages ("map.json"). */
  name: string;
  /** The version this code writes and reads. */
  version: number;
  /** Checks the fields the code uses (objects passthrough the rest); runs after migration. */
  schema: ZodType<T, ZodTypeDef, unknown>;
  /**
   * `migrations[v]` turns a version-`v` document into a version-`v + 1` one. A version with no
   * way forward is refused as too old (remake the artifact). `migrations[0]`, when given, reads
   * files written before the artifact had a `version` field.
   */
  migrations?: Readonly<Record<number, (document: Record<string, unknown>) => Record<string, unknown>>>;
}

/** A run artifact that is unreadable, malformed, too old or too new; says which file and field. */
export class ArtifactError extends RunStateError {
  readonly file: string;
  /** The offending field as a dotted path (`reducer.model.k`), when one field is at fault. */
  readonly field?: string;
  constructor(code: string, message: string, where: { file: string; field?: string; cause?: unknown }) {
    super(code, message, { cause: where.cause });
    this.file = where.file;
    this.field = where.field;
  }
}

/** Reads and checks artifact `file`: see {@link parseJsonArtifact}. */
export function readJsonArtifact<T>(file: string, format: JsonArtifactFormat<T>): T {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw new ArtifactError(missing ? "artifact-missing" : "artifact-unreadable", `${file}: ${missing ? "not found" : (error as Error).message}`, {
      file,
      cause: error,
    });
  }
  return parseJsonArtifact(text, file, format);
}

/**
 * Parses the text of artifact `file`: valid JSON, an object with an integer `version` this code
 * can read, migrated forward to {@link JsonArtifactFormat.version}, then checked by the schema.
 */
export function parseJsonArtifact<T>(text: string, file: string, format: JsonArtifactFormat<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError("artifact-malformed", `${file}: not valid JSON (${(error as Error).message}); remake the ${format.name}`, { file, cause: error });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ArtifactError("artifact-malformed", `${file}: expected a JSON object, the ${format.name}`, { file });
  }
  let document = value as Record<string, unknown>;
  // Files written before their artifact carried a version read as version 0 where a migration from it exists.
  const version = document.version === undefined && format.migrations?.[0] ? 0 : document.version;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 0) {
    throw new ArtifactError("artifact-invalid", `${file}: field version: expected a positive integer, got ${JSON.stringify(version) ?? "nothing"}`, { file, field: "version" });
  }
  if (version > format.version) {
    throw new ArtifactError(
      "artifact-too-new",
      `${file}: ${format.name} version ${version} was written by a newer gapfill (this one reads up to version ${format.version}); upgrade gapfill or remake it`,
      { file, field: "version" },
    );
  }
  for (let from = version; from < format.version; from++) {
    const migrate = format.migrations?.[from];
    if (!migrate) {
      throw new ArtifactError("artifact-too-old", `${file}: ${format.name} version ${from} cannot be read by this gapfill (it reads version ${format.version}); remake it`, {
        file,
        field: "version",
      });
    }
    document = { ...migrate(document), version: from + 1 };
  }
  const parsed = format.schema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.join(".");
  throw new ArtifactError("artifact-invalid", `${file}: field ${field || "(root)"}: ${issue.message}; remake the ${format.name}`, { file, field: field || undefined });
}

/** Writes `value` as artifact `file` atomically, stamped with the format's version. */
export async function writeJsonArtifact<T extends object>(file: string, format: JsonArtifactFormat<T>, value: T): Promise<void> {
  await atomicWriteFile(file, JSON.stringify({ ...value, version: format.version }));
}
