import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../../core/errors.js";
import { readGgufHeader, readTensorRows } from "./gguf-reader.js";
import { GgmlType } from "./gguf-types.js";
import { encodeGguf, writeGguf } from "../../../../test/support/gguf-writer.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-gguf-"));

describe("readGgufHeader", () => {
  it("round-trips every value type the writer emits, and tensor rows", async () => {
    const path = join(dir, "values.gguf");
    const rows = Float32Array.from({ length: 12 }, (_, i) => i * 0.5);
    await writeGguf(
      path,
      [
        { key: "s", type: "string", value: "héllo" },
        { key: "u", type: "u32", value: 4_000_000_000 },
        { key: "i", type: "i32", value: -5 },
        { key: "f", type: "f32", value: 0.25 },
        { key: "b", type: "bool", value: true },
        { key: "big", type: "u64", value: 2 ** 40 },
        { key: "strings", type: "string[]", value: ["a", "", "ç"] },
        { key: "ints", type: "i32[]", value: [1, -2, 3] },
      ],
      [{ name: "m", dims: [4, 3], type: GgmlType.F32, data: new Uint8Array(rows.buffer) }],
    );
    const header = await readGgufHeader(path);
    expect(Object.fromEntries(header.metadata)).toEqual({
      s: "héllo", u: 4_000_000_000, i: -5, f: 0.25, b: true, big: 2 ** 40, strings: ["a", "", "ç"], ints: [1, -2, 3],
    });
    const read = await readTensorRows(header, "m", [2, 0]);
    expect(Array.from(new Float32Array(read.bytes.buffer))).toEqual([4, 4.5, 5, 5.5, 0, 0.5, 1, 1.5]);
    await expect(readTensorRows(header, "m", [3])).rejects.toThrow(/outside/);
    await expect(readTensorRows(header, "nope", [0])).rejects.toThrow(/no tensor "nope"/);
  });

  it("names the path of a missing file", async () => {
    const path = join(dir, "missing.gguf");
    const error = await readGgufHeader(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(path);
    expect((error as Error).message).toContain(path);
  });

  it("says a non-GGUF file is not GGUF", async () => {
    const path = join(dir, "model.safetensors");
    writeFileSync(path, Buffer.from("{\"__metadata__\":{}} and then some bytes that are not GGUF"));
    await expect(readGgufHeader(path)).rejects.toThrow(/is not a GGUF file/);
  });

  it("reports a truncated header instead of reading past the end", async () => {
    const path = join(dir, "cut.gguf");
    const full = encodeGguf([{ key: "general.name", type: "string", value: "x".repeat(100) }], []);
    writeFileSync(path, full.subarray(0, 60));
    await expect(readGgufHeader(path)).rejects.toThrow(/ends early/);
  });
});
