import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../support/repository-root.js";

/**
 * What `gapfill --help` (and every command before its action runs) loads: the static imports
 * reachable from the CLI's entry. The native, heavy modules (node-llama-cpp, koffi) must stay
 * behind dynamic imports, so startup stays fast and a user without them can run everything else.
 */
function staticImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, "utf8");
    // `import … from "x"` and `export … from "x"`, not `import("x")` and not `import type`.
    for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^"'()]*?\sfrom\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm)) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else if (!specifier.startsWith("node:")) packages.add(specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"));
    }
  };
  visit(join(REPOSITORY_ROOT, entry));
  return { files, packages };
}

describe("CLI startup imports", () => {
  it("load no native engine module: node-llama-cpp and koffi come only with a llama: spec", () => {
    const { files, packages } = staticImports("src/cli/main.ts");
    expect(files.size).toBeGreaterThan(20);
    expect([...packages].sort()).not.toContain("node-llama-cpp");
    expect([...packages]).not.toContain("koffi");
    expect([...files].filter((file) => file.includes("/engines/llama/"))).toEqual([]);
  });
});
