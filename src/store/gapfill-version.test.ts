import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gapfillVersion } from "./gapfill-version.js";

describe("gapfillVersion", () => {
  it("is the version in gapfill's package.json, the one version source", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };
    expect(manifest.name).toBe("gapfill");
    expect(gapfillVersion()).toBe(manifest.version);
  });
});
