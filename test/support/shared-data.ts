/**
 * One place where tests find the data that is too large, or not ours, to commit: the GSM8K
 * splits and the stories260K model. They live in the shared folder beside the checkout
 * (`../shared`, resolved from the repository root); where there is none, GSM8K can be fetched
 * into a gitignored cache by `npm run fetch-test-data`. A test that needs a file neither holds
 * fails with one line saying what to do, instead of an ENOENT naming some other machine's path.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { REPOSITORY_ROOT } from "./repository-root.js";

/** The files tests may ask for, by where they sit in the shared folder and in the cache. */
export const SHARED_DATA = {
  "gsm8k-train": { label: "GSM8K train split", shared: "data/gsm8k/train.jsonl", cache: "gsm8k/train.jsonl", fetchable: true },
  "gsm8k-test": { label: "GSM8K test split", shared: "data/gsm8k/test.jsonl", cache: "gsm8k/test.jsonl", fetchable: true },
  // No weights can be downloaded on the machines this runs on, so the fetch script leaves the
  // model alone; a copy placed in the cache by hand is still found.
  "stories260K": { label: "stories260K model", shared: "models/stories260K.gguf", cache: "models/stories260K.gguf", fetchable: false },
} as const;

export type SharedDataName = keyof typeof SHARED_DATA;

/** The cache folder under the repository root that `scripts/fetch-test-data.mjs` fills. */
export const TEST_DATA_CACHE = ".cache/test-data";

export interface SharedDataOptions {
  /** The repository root to resolve from; tests of this helper inject a temporary one. */
  root?: string;
}

/** Where a shared-data file was found, and in which of the two places. */
export interface SharedDataLocation {
  path: string;
  from: "shared" | "cache";
}

/** A test needs a data file that neither the shared folder nor the cache holds. */
export class MissingSharedDataError extends Error {
  readonly code = "missing-test-data";

  constructor(readonly dataName: SharedDataName, message: string) {
    super(message);
    this.name = "MissingSharedDataError";
    // The message is the whole story (what is missing, what to run); a stack through vitest's
    // collector would only bury it.
    this.stack = `${this.name}: ${message}`;
  }
}

/** The candidate paths for `name`, in the order they are tried: shared folder, then cache. */
export function sharedDataCandidates(name: SharedDataName, options: SharedDataOptions = {}): SharedDataLocation[] {
  const root = options.root ?? REPOSITORY_ROOT;
  const entry = SHARED_DATA[name];
  return [
    { path: resolve(root, "..", "shared", entry.shared), from: "shared" },
    { path: join(resolve(root, TEST_DATA_CACHE), entry.cache), from: "cache" },
  ];
}

/** The first place that holds `name`, or undefined when none does. */
export function locateSharedData(name: SharedDataName, options: SharedDataOptions = {}): SharedDataLocation | undefined {
  return sharedDataCandidates(name, options).find((candidate) => existsSync(candidate.path));
}

/**
 * The path of `name` for a test to read.
 * @throws MissingSharedDataError with a one-line message saying how to provide the file.
 */
export function sharedDataPath(name: SharedDataName, options: SharedDataOptions = {}): string {
  const found = locateSharedData(name, options);
  if (found) return found.path;
  const entry = SHARED_DATA[name];
  const [shared, cache] = sharedDataCandidates(name, options);
  const remedy = entry.fetchable
    ? `put the shared folder beside the checkout (${shared.path}) or run \`npm run fetch-test-data\` (needs internet) to fill ${cache.path}`
    : `put the shared folder beside the checkout (${shared.path}) or copy the file to ${cache.path}`;
  throw new MissingSharedDataError(name, `test data missing: ${entry.label} — ${remedy}`);
}
