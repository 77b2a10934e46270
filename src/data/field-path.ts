/**
 * Dotted field paths (`meta.q`, `turns.0.text`) over parsed rows. A key that itself
 * contains a dot is found first, so `{"a.b": 1}` still answers to `a.b`.
 */

/** What a path lookup found: `found: false` means some segment was absent. */
export type PathLookup = { found: true; value: unknown } | { found: false };

/** Looks up a dotted path in a row. Array segments are decimal indexes. */
export function lookupPath(row: unknown, path: string): PathLookup {
  if (isRecord(row) && Object.prototype.hasOwnProperty.call(row, path)) return { found: true, value: row[path] };
  let current: unknown = row;
  for (const segment of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      const index = Number(segment);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (isRecord(current) && Object.prototype.hasOwnProperty.call(current, segment)) {
      current = current[segment];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/** True for plain objects (not arrays, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The top-level key a path starts from: `meta` for `meta.q`, or the whole key if the row has it. */
export function topLevelKey(row: Record<string, unknown>, path: string): string {
  if (Object.prototype.hasOwnProperty.call(row, path)) return path;
  return path.split(".")[0];
}
