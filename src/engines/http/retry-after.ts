/**
 * Parse an HTTP `Retry-After` header into milliseconds from `now`.
 * The header is either delta-seconds ("3", "0.5" as some servers send) or an HTTP date.
 * Returns undefined when the header is absent or unreadable, so the caller falls back to backoff.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  // A date in the past means "now": never a negative wait.
  return Math.max(0, date - now);
}
