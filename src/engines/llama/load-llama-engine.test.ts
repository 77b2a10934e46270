import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { GapfillError } from "../../core/errors.js";
import { createEngine } from "../create-engine.js";
import { ENABLE_LLAMA_COMMAND, type LlamaEngineImporter, loadLlamaEngine, missingLlamaPackage } from "./load-llama-engine.js";

// A module outside the checkout that imports the package the way llama-runtime.ts does. Plain
// Node (not vitest's runner, which resolves bare names from the project root) cannot resolve
// node-llama-cpp from there, so importing it fails exactly as on an install without the optional
// peer dependency; the importer rethrows that real error here.
const outside = mkdtempSync(join(tmpdir(), "gapfill-no-llama-"));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

function importerOf(source: string): LlamaEngineImporter {
  const file = join(outside, `engine-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, source);
  const probe = `try { await import(${JSON.stringify(pathToFileURL(file).href)}); console.log("{}"); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`;
  return async () => {
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { cwd: outside, encoding: "utf8" });
    const thrown = JSON.parse(child.stdout) as { name?: string; code?: string; message?: string };
    if (!thrown.message) throw new Error(`expected the import to fail: ${child.stdout}${child.stderr}`);
    const error = thrown.name === "TypeError" ? new TypeError(thrown.message) : new Error(thrown.message);
    throw Object.assign(error, { code: thrown.code });
  };
}

const withoutNodeLlamaCpp = importerOf(`import { getLlama } from "node-llama-cpp";\nexport const createLlamaEngine = getLlama;\n`);

describe("loadLlamaEngine", () => {
  it("says how to enable llama: when node-llama-cpp is not installed", async () => {
    const failure = await loadLlamaEngine(withoutNodeLlamaCpp).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(GapfillError);
    const error = failure as GapfillError;
    expect(error.code).toBe("llama-unavailable");
    expect(error.userFixable).toBe(true);
    expect(error.message).toContain("node-llama-cpp is not installed");
    expect(error.message).toContain("run `npm install node-llama-cpp koffi`");
    expect(error.message).toContain("openai: and ollama: engines work without them");
    expect(error.message).not.toContain("\n");
  });

  it("names koffi and the per-platform binary packages too", () => {
    const notFound = (name: string) => Object.assign(new Error(`Cannot find package '${name}' imported from /x/libllama.js`), { code: "ERR_MODULE_NOT_FOUND" });
    expect(missingLlamaPackage(notFound("koffi"))).toBe("koffi");
    expect(missingLlamaPackage(notFound("@node-llama-cpp/linux-x64"))).toBe("@node-llama-cpp/linux-x64");
    // Another package missing is a broken install of gapfill itself, not an optional feature.
    expect(missingLlamaPackage(notFound("zod"))).toBeUndefined();
    expect(missingLlamaPackage(new Error("Cannot find package 'koffi'"))).toBeUndefined();
  });

  it("passes any other failure through unchanged", async () => {
    const broken = importerOf(`throw new TypeError("a bug in the engine module");\n`);
    await expect(loadLlamaEngine(broken)).rejects.toThrow(TypeError);
  });

  it("loads the real engine module when the packages are installed", async () => {
    const engine = await loadLlamaEngine();
    expect(typeof engine.createLlamaEngine).toBe("function");
  });
});

describe("createEngine without node-llama-cpp", () => {
  it("fails a llama: spec with the enable command", async () => {
    await expect(createEngine("llama:/models/student.gguf", { importLlamaEngine: withoutNodeLlamaCpp })).rejects.toThrow(ENABLE_LLAMA_COMMAND);
  });

  it("still builds openai: and ollama: engines, never importing the llama module", async () => {
    let imported = 0;
    const counting: LlamaEngineImporter = () => {
      imported++;
      return withoutNodeLlamaCpp();
    };
    const openai = await createEngine("openai:teacher@http://127.0.0.1:9/v1", { importLlamaEngine: counting, env: {} });
    const ollama = await createEngine("ollama:llama3.1:8b", { importLlamaEngine: counting, env: {} });
    expect([openai.spec, ollama.spec]).toEqual(["openai:teacher@http://127.0.0.1:9/v1", "ollama:llama3.1:8b"]);
    expect(imported).toBe(0);
  });
});
