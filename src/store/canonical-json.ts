/**
 * JSON with object keys sorted at every depth, so equal values always give equal text: stage
 * params compare by it and request-cache keys hash it. Arrays keep their order (it is meaning).
 * Like `JSON.stringify`, a bare `undefined` (or a function) gives `undefined`; an object or array
 * always gives a string.
 */
export function canonicalJson(value: object): string;
export function canonicalJson(value: unknown): string | undefined;
export function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    const record = inner as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
  });
}
