import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "./repository-root.js";
import { locateSharedData, MissingSharedDataError, sharedDataCandidates, sharedDataPath } from "./shared-data.js";

// A fake world: WORLD/checkout is the repository root, WORLD/shared the folder beside it.
let world: string;
let root: string;
beforeEach(() => {
  world = mkdtempSync(join(tmpdir(), "gapfill-shared-data-"));
  root = join(world, "checkout");
  mkdirSync(root);
});
afterEach(() => rmSync(world, { recursive: true, force: true }));

function place(path: string): string {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, "{}\n");
  return path;
}

describe("sharedDataPath", () => {
  it("prefers ../shared beside the repository root over the cache", () => {
    const shared = place(join(world, "shared", "data", "gsm8k", "train.jsonl"));
    place(join(root, ".cache", "test-data", "gsm8k", "train.jsonl"));
    expect(sharedDataPath("gsm8k-train", { root })).toBe(shared);
    expect(locateSharedData("gsm8k-train", { root })?.from).toBe("shared");
  });

  it("falls back to the fetched cache when the shared folder lacks the file", () => {
    mkdirSync(join(world, "shared", "data"), { recursive: true });
    const cached = place(join(root, ".cache", "test-data", "gsm8k", "test.jsonl"));
    expect(sharedDataPath("gsm8k-test", { root })).toBe(cached);
    expect(locateSharedData("gsm8k-test", { root })?.from).toBe("cache");
    // Each split is looked up on its own: the test split in the cache does not stand in for train.
    expect(locateSharedData("gsm8k-train", { root })).toBeUndefined();
  });

  it("finds the stories260K model in the shared folder's models/", () => {
    const model = place(join(world, "shared", "models", "stories260K.gguf"));
    expect(sharedDataPath("stories260K", { root })).toBe(model);
  });

  it("with neither, fails with one line that says what to run", () => {
    let caught: unknown;
    try {
      sharedDataPath("gsm8k-train", { root });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MissingSharedDataError);
    const error = caught as MissingSharedDataError;
    expect(error.code).toBe("missing-test-data");
    expect(error.message).not.toContain("\n");
    expect(error.stack).not.toContain("\n");
    expect(error.message).toContain("npm run fetch-test-data");
    expect(error.message).toContain(join(world, "shared", "data", "gsm8k", "train.jsonl"));
  });

  it("does not offer to fetch the model, which no script may download", () => {
    expect(() => sharedDataPath("stories260K", { root })).toThrow(/copy the file to .*stories260K\.gguf$/);
  });

  it("defaults to the checkout this helper sits in, not the working directory", () => {
    const manifest = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "package.json"), "utf8")) as { name: string };
    expect(manifest.name).toBe("gapfill");
    const previous = process.cwd();
    process.chdir(world);
    try {
      const [shared, cache] = sharedDataCandidates("gsm8k-train");
      expect(shared.path).toBe(resolve(REPOSITORY_ROOT, "..", "shared", "data", "gsm8k", "train.jsonl"));
      expect(cache.path).toBe(resolve(REPOSITORY_ROOT, ".cache", "test-data", "gsm8k", "train.jsonl"));
    } finally {
      process.chdir(previous);
    }
  });
});
