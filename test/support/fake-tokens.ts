import { createHash } from "node:crypto";

/**
 * Deterministic stand-ins for what a model server computes, used by the test server:
 * a whitespace tokenizer whose tokens concatenate back to the text, hash-seeded vectors and
 * log-probs, and a small seeded random generator.
 */

/** Split text into tokens that keep their leading whitespace, so `tokens.join("") === text`. */
export function fakeTokenize(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** A unit vector of `dimensions` floats derived from a hash of `text`. */
export function hashedVector(text: string, dimensions: number): number[] {
  const out: number[] = [];
  let counter = 0;
  while (out.length < dimensions) {
    const digest = createHash("sha256").update(`${counter}:${text}`).digest();
    for (let i = 0; i + 4 <= digest.length && out.length < dimensions; i += 4) {
      out.push(digest.readUInt32LE(i) / 0xffffffff - 0.5);
    }
    counter += 1;
  }
  const norm = Math.hypot(...out) || 1;
  return out.map((value) => value / norm);
}

/**
 * A log-probability in (-5, 0] that depends only on the token and its position (FNV-1a over
 * both: a real server's log-probs cost it nothing beyond its latency, and sha256 per token made
 * the test server's CPU the bottleneck of the throughput benchmarks).
 */
export function hashedLogprob(token: string, position: number): number {
  let hash = 0x811c9dc5 ^ position;
  hash = Math.imul(hash, 0x01000193);
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  // A final avalanche so nearby tokens do not get nearby values.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return -((hash >>> 0) / 0xffffffff) * 5;
}

/** mulberry32: a tiny seeded generator, good enough to draw faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A minimal value that satisfies a simple JSON schema (objects, arrays, scalars, enums). */
export function exampleForSchema(schema: unknown): unknown {
  if (typeof schema !== "object" || schema === null) return null;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if ("const" in s) return s.const;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case "object": {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, exampleForSchema(value)]));
    }
    case "array":
      return [exampleForSchema(s.items)];
    case "string":
      return "text";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    default:
      return null;
  }
}
