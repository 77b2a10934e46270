import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnViteNodeSync, viteNodeCommandLine, VITE_NODE_SCRIPT } from "./vite-node.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-vite-node-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// TypeScript-only syntax, so the test fails if the file is not run through vite-node.
const script = join(dir, "echo args.ts");
writeFileSync(script, `const at: number = process.argv.indexOf("--");\nconsole.log(JSON.stringify(process.argv.slice(at === -1 ? 2 : at + 1)));\n`);

describe("vite-node for child processes", () => {
  it("is the declared package's bin, run by this Node", () => {
    expect(VITE_NODE_SCRIPT).toMatch(/vite-node[\\/]vite-node\.mjs$/);
    const result = spawnViteNodeSync(script, ["--", "a b", "--flag"]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual(["a b", "--flag"]);
  });

  it("gives a shell command line that survives spaces in paths", () => {
    const line = viteNodeCommandLine(script, "-- 'x y' z");
    expect(line.startsWith(`${process.execPath} `) || line.startsWith(`'${process.execPath}' `)).toBe(true);
    const result = spawnSync("sh", ["-c", line], { encoding: "utf8", cwd: dir });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual(["x y", "z"]);
  });
});
