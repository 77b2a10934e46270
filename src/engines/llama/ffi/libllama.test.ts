import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seededNormal } from "../../../../test/support/tiny-gguf.js";
import { dequantize } from "../gguf/dequantize.js";
import { GgmlType } from "../gguf/gguf-types.js";
import { quantizeF16, quantizeQ4_0, quantizeQ8_0 } from "../gguf/quantize.js";
import { ggmlToFloat } from "./ggml-dequantize.js";
import {
  EXPECTED_SIZES, PINNED_CONTEXT_DEFAULTS, PINNED_MODEL_DEFAULTS, layoutMismatches, loadLibllama, structSizes,
} from "./libllama.js";
import { PINNED_LLAMA_CPP_RELEASE, findPrebuiltBinaries } from "./llama-release.js";

describe("libllama pin (fails loudly when node-llama-cpp ships another llama.cpp)", () => {
  it("the shipped prebuilt and node-llama-cpp itself are the pinned llama.cpp release", () => {
    const binaries = findPrebuiltBinaries();
    expect(binaries.release, `update the FFI layouts for ${binaries.release}, then PINNED_LLAMA_CPP_RELEASE`).toBe(PINNED_LLAMA_CPP_RELEASE);
    const require = createRequire(import.meta.url);
    const packageRoot = join(require.resolve("node-llama-cpp"), "..", "..");
    const shipped = JSON.parse(readFileSync(join(packageRoot, "llama", "binariesGithubRelease.json"), "utf8")) as { release: string };
    expect(shipped.release).toBe(PINNED_LLAMA_CPP_RELEASE);
  });

  it("struct sizes match the pinned llama.h on x86-64", () => {
    expect(structSizes()).toEqual(EXPECTED_SIZES);
  });

  it("libllama's own default parameter structs decode, field by field, to the pinned release's defaults", async () => {
    const { llama } = await loadLibllama();
    expect(layoutMismatches(llama.contextDefaultParams(), PINNED_CONTEXT_DEFAULTS)).toEqual([]);
    expect(layoutMismatches(llama.modelDefaultParams(), PINNED_MODEL_DEFAULTS)).toEqual([]);
  });

  it("layoutMismatches reports a shifted field", () => {
    expect(layoutMismatches({ ...PINNED_CONTEXT_DEFAULTS, n_batch: 512 }, PINNED_CONTEXT_DEFAULTS)).toEqual(["n_batch=512 (expected 2048)"]);
  });
});

describe("ggml's to_float through FFI agrees with the TypeScript dequantizer", () => {
  const normal = seededNormal(11);
  const values = Float32Array.from({ length: 128 }, () => normal() * 3);
  const cases: Array<[string, number, Uint8Array]> = [
    ["Q8_0", GgmlType.Q8_0, quantizeQ8_0(values)],
    ["Q4_0", GgmlType.Q4_0, quantizeQ4_0(values)],
    ["F16", GgmlType.F16, quantizeF16(values)],
  ];
  for (const [name, type, bytes] of cases) {
    it(`${name}: identical floats`, async () => {
      const ours = new Float32Array(values.length);
      dequantize(type, bytes, values.length, ours);
      const ggml = await ggmlToFloat(type, bytes, values.length);
      expect(Array.from(ggml)).toEqual(Array.from(ours));
    });
  }
});
