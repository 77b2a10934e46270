/**
 * Replace every occurrence of each secret in `text` with "[redacted]".
 * Used on anything built from a server's reply (a body snippet may echo our headers back)
 * before it reaches an error message, a log or the database.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short "secrets" (e.g. "x" in a test) would shred ordinary text; keys are long.
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out.replace(/(authorization["']?\s*[:=]\s*["']?)(bearer\s+)?[^\s"',}]+/gi, "$1[redacted]");
}

/** The first `max` characters of a body, on one line, for an error message. */
export function snippet(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
