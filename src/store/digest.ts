import { createHash } from "node:crypto";

/**
 * Short content digest of a list of lines: sha256 of the lines joined by "\n", first 16 hex
 * digits (64 bits: a changed dataset or benchmark is told apart, not an adversary).
 */
export function digestLines(lines: readonly string[]): string {
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
}

/**
 * The digest of a dataset as the run records it: its example ids in order. Ids hash the
 * question and answer, so any changed, added, removed or reordered row changes the digest; a
 * map, a generate run and a loop compare it to refuse mixing rows of two datasets.
 */
export function datasetDigest(examples: ReadonlyArray<{ readonly id: string }>): string {
  return digestLines(examples.map((example) => example.id));
}
