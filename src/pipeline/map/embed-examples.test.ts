import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Engine, Matrix } from "../../core/engine.js";
import type { Example } from "../../core/example.js";
import { silent } from "../../core/events.js";
import { readFloat32Matrix, writeFloat32Matrix } from "../../store/float32-matrix.js";
import { embedExamples } from "./embed-examples.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-embed-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An engine whose answers come back out of order (later batches sooner), recording how many were in flight. */
function slowEngine(concurrency: number | undefined) {
  const seen = { inFlight: 0, most: 0, calls: 0 };
  const engine = {
    spec: "fake:embed",
    kind: "fake",
    model: "fake",
    capabilities: new Set(["embed"]),
    concurrency,
    async embed(texts: string[]): Promise<Matrix> {
      seen.calls++;
      seen.inFlight++;
      seen.most = Math.max(seen.most, seen.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 40 - (seen.calls % 4) * 10));
      seen.inFlight--;
      // Each vector is its text's row number, twice: the file must hold them in dataset order.
      return { data: Float32Array.from(texts.flatMap((text) => [Number(text), Number(text)])), rows: texts.length, cols: 2 };
    },
  } as unknown as Engine;
  return { engine, seen };
}

const examples: Example[] = Array.from({ length: 50 }, (_, i) => ({ id: `e${i}`, question: String(i), answer: "", source: { file: "test.jsonl", line: i + 1 } }));

describe("embedExamples", () => {
  it("keeps the engine's concurrency of batches in flight and writes the rows in dataset order", async () => {
    const { engine, seen } = slowEngine(4);
    const path = join(dir, "concurrent.f32");
    await embedExamples(examples, path, { engine, mode: "pooled", batchSize: 3, onEvent: silent });
    expect(seen.most).toBe(4);
    const matrix = await readFloat32Matrix(path);
    expect(matrix.rows).toBe(50);
    expect(Array.from(matrix.data.filter((_, i) => i % 2 === 0))).toEqual(examples.map((_, i) => i));
  });

  it("sends one batch at a time to an engine without concurrency, and resumes after the rows already written", async () => {
    const { engine, seen } = slowEngine(undefined);
    const path = join(dir, "resumed.f32");
    await writeFloat32Matrix(path, { data: Float32Array.from({ length: 20 }, (_, i) => Math.floor(i / 2)), rows: 10, cols: 2 });
    await embedExamples(examples, path, { engine, mode: "pooled", batchSize: 7, onEvent: silent });
    expect(seen.most).toBe(1);
    expect(seen.calls).toBe(Math.ceil(40 / 7));
    const matrix = await readFloat32Matrix(path);
    expect(Array.from(matrix.data.filter((_, i) => i % 2 === 0))).toEqual(examples.map((_, i) => i));
  });

  it("mean mode takes whole batches through meanEmbed where the engine has it, else averages tokenEmbed per text", async () => {
    const calls = { mean: 0, token: 0 };
    // Each text's tokens: rows [n, 0] and [n, 2], so their mean is [n, 1].
    const tokenEmbed = async (text: string): Promise<Matrix> => {
      calls.token++;
      return { data: Float32Array.from([Number(text), 0, Number(text), 2]), rows: 2, cols: 2 };
    };
    const base = { spec: "fake:mean", kind: "fake", model: "fake", capabilities: new Set(["token-embed"]), tokenEmbed };
    const withMean = {
      ...base,
      async meanEmbed(texts: string[]): Promise<Matrix> {
        calls.mean++;
        return { data: Float32Array.from(texts.flatMap((text) => [Number(text), 1])), rows: texts.length, cols: 2 };
      },
    } as unknown as Engine;
    const pooledPath = join(dir, "mean-batched.f32");
    await embedExamples(examples, pooledPath, { engine: withMean, mode: "mean", batchSize: 16, onEvent: silent });
    expect(calls).toEqual({ mean: 4, token: 0 });
    const perTextPath = join(dir, "mean-per-text.f32");
    await embedExamples(examples, perTextPath, { engine: base as unknown as Engine, mode: "mean", batchSize: 16, onEvent: silent });
    expect(calls).toEqual({ mean: 4, token: 50 });
    // Both give the same rows.
    expect(Array.from((await readFloat32Matrix(perTextPath)).data)).toEqual(Array.from((await readFloat32Matrix(pooledPath)).data));
  });

  it("a failing batch fails the call and leaves only whole batches before it in the file", async () => {
    const { engine } = slowEngine(3);
    const failing = Object.assign(Object.create(engine), {
      async embed(texts: string[]) {
        if (texts.includes("20")) throw new Error("server said no");
        return engine.embed(texts);
      },
    }) as Engine;
    const path = join(dir, "failed.f32");
    await expect(embedExamples(examples, path, { engine: failing, mode: "pooled", batchSize: 5, onEvent: silent })).rejects.toThrow(/server said no/);
    const matrix = await readFloat32Matrix(path);
    expect(matrix.rows).toBe(20);
  });
});
