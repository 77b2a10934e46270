import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import wabtFactory from "wabt";
import { REPOSITORY_ROOT } from "../../../test/support/repository-root.js";
import { KERNELS_WASM_BASE64 } from "./kernels-bytes.js";

describe("kernels-bytes.ts", () => {
  it("holds exactly what kernels.wat assembles to (re-run scripts/build-wasm.mjs after editing the WAT)", async () => {
    const wabt = await wabtFactory();
    const source = readFileSync(join(REPOSITORY_ROOT, "src/geometry/wasm/kernels.wat"), "utf8");
    const parsed = wabt.parseWat("kernels.wat", source, { simd: true });
    try {
      parsed.validate();
      const assembled = Buffer.from(parsed.toBinary({}).buffer).toString("base64");
      expect(assembled.length).toBeGreaterThan(1000);
      expect(KERNELS_WASM_BASE64).toBe(assembled);
    } finally {
      parsed.destroy();
    }
  });
});
