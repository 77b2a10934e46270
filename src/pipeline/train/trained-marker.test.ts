import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTrainedMarker, writeTrainedMarker } from "./trained-marker.js";

describe(".gapfill-trained.json", () => {
  it("round-trips a trained student, reads a marker from before versions, and refuses a broken one naming the field", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "gapfill-marker-")), ".gapfill-trained.json");
    await writeTrainedMarker(file, { spec: "llama:/m.gguf", lora: "/r1/adapter.gguf" });
    expect(readTrainedMarker(file)).toEqual({ spec: "llama:/m.gguf", lora: "/r1/adapter.gguf" });
    writeFileSync(file, JSON.stringify({ spec: "openai:ft-1@http://127.0.0.1:1/v1" }));
    expect(readTrainedMarker(file)).toEqual({ spec: "openai:ft-1@http://127.0.0.1:1/v1" });
    writeFileSync(file, JSON.stringify({ version: 1, spec: "" }));
    expect(() => readTrainedMarker(file)).toThrow(/\.gapfill-trained\.json[\s\S]*spec/);
  });
});
