import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ArtifactError, type JsonArtifactFormat, parseJsonArtifact, readJsonArtifact, writeJsonArtifact } from "./json-artifact.js";

/** A toy artifact at version 3: v1 had `count` as a string, v2 renamed `n` to `count`. */
interface Toy {
  version: 3;
  count: number;
  label: string;
}
const toyFormat: JsonArtifactFormat<Toy> = {
  name: "toy.json",
  version: 3,
  schema: z.object({ version: z.literal(3), count: z.number().int(), label: z.string() }).passthrough() as z.ZodType<Toy, z.ZodTypeDef, unknown>,
  migrations: {
    1: ({ n, ...rest }) => ({ ...rest, count: n }),
    2: ({ count, ...rest }) => ({ ...rest, count: Number(count) }),
  },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gapfill-artifact-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function caught(work: () => unknown): ArtifactError {
  try {
    work();
  } catch (error) {
    if (error instanceof ArtifactError) return error;
    throw error;
  }
  throw new Error("expected an ArtifactError");
}

describe("json artifacts", () => {
  it("round-trips a written artifact, stamping the version and keeping fields the schema does not name", async () => {
    const file = join(dir, "toy.json");
    await writeJsonArtifact(file, toyFormat, { version: 3, count: 7, label: "x", extra: [1] } as Toy);
    expect(JSON.parse(readFileSync(file, "utf8")).version).toBe(3);
    expect(readJsonArtifact(file, toyFormat)).toEqual({ version: 3, count: 7, label: "x", extra: [1] });
  });

  it("migrates older versions forward one step at a time", () => {
    expect(parseJsonArtifact(JSON.stringify({ version: 1, n: "12", label: "old" }), "toy.json", toyFormat)).toEqual({ version: 3, count: 12, label: "old" });
    expect(parseJsonArtifact(JSON.stringify({ version: 2, count: "5", label: "mid" }), "toy.json", toyFormat)).toEqual({ version: 3, count: 5, label: "mid" });
  });

  it("reads a file from before versions as version 0 only when a migration from 0 exists", () => {
    const format = { ...toyFormat, migrations: { ...toyFormat.migrations, 0: ({ total, ...rest }: Record<string, unknown>) => ({ ...rest, n: total }) } };
    expect(parseJsonArtifact(JSON.stringify({ total: "3", label: "older" }), "toy.json", format)).toEqual({ version: 3, count: 3, label: "older" });
    expect(caught(() => parseJsonArtifact(JSON.stringify({ total: "3", label: "older" }), "toy.json", toyFormat)).field).toBe("version");
  });

  it("refuses a newer version, naming the file and the version field", () => {
    const error = caught(() => parseJsonArtifact(JSON.stringify({ version: 4, count: 1, label: "" }), "runs/a/toy.json", toyFormat));
    expect(error.code).toBe("artifact-too-new");
    expect(error.field).toBe("version");
    expect(error.message).toMatch(/^runs\/a\/toy\.json: toy\.json version 4 was written by a newer gapfill/);
  });

  it("refuses a version with no migration as too old", () => {
    const format = { ...toyFormat, migrations: { 2: toyFormat.migrations![2] } };
    expect(caught(() => parseJsonArtifact(JSON.stringify({ version: 1, n: 1, label: "" }), "toy.json", format)).code).toBe("artifact-too-old");
  });

  it("names the file and the zod path of a corrupted field", () => {
    const file = join(dir, "toy.json");
    writeFileSync(file, JSON.stringify({ version: 3, count: "many", label: "x" }));
    const error = caught(() => readJsonArtifact(file, toyFormat));
    expect(error.code).toBe("artifact-invalid");
    expect(error.file).toBe(file);
    expect(error.field).toBe("count");
    expect(error.message).toContain(`${file}: field count: Expected number, received string`);
  });

  it("refuses a missing version, a non-object and text that is not JSON", () => {
    expect(caught(() => parseJsonArtifact('{"count":1}', "toy.json", toyFormat)).field).toBe("version");
    expect(caught(() => parseJsonArtifact("[1,2]", "toy.json", toyFormat)).code).toBe("artifact-malformed");
    expect(caught(() => parseJsonArtifact('{"version":3,', "toy.json", toyFormat)).code).toBe("artifact-malformed");
  });

  it("says a missing file is missing", () => {
    const error = caught(() => readJsonArtifact(join(dir, "nope.json"), toyFormat));
    expect(error.code).toBe("artifact-missing");
    expect(error.userFixable).toBe(true);
  });
});
