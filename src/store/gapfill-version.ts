import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/**
 * The version of the installed gapfill package, recorded in every run. Found by walking up from
 * this module to gapfill's package.json: the depth differs between `src/` (tests) and `dist/src/`.
 */
export function gapfillVersion(): string {
  if (cached !== undefined) return cached;
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as { name?: string; version?: string };
      if (manifest.name === "gapfill" && typeof manifest.version === "string") return (cached = manifest.version);
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(directory);
    if (parent === directory) return (cached = "unknown");
    directory = parent;
  }
}
