import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import { EngineCallError } from "../../core/errors.js";
import type { ProgressEvent } from "../../core/events.js";
import { isRequestRefusal } from "../../pipeline/generate/teacher-attempt.js";
import { sharedDataPath } from "../../../test/support/shared-data.js";
import { writeTinyLoraGguf } from "../../../test/support/tiny-gguf.js";
import { weightedMean } from "../../pipeline/map/embed-examples.js";
import { createLlamaEngine, type EmbeddedMatrix } from "./llama-engine.js";

/**
 * The real trained GGUF (stories260K: SentencePiece tokenizer, coherent text, trained on 512-token
 * sequences) through every capability of the llama engine, with a small context so the
 * long-input paths are exercised too. threads: 1, as its README asks.
 */
const dir = mkdtempSync(join(tmpdir(), "gapfill-stories-"));
const STORY = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.";

describe("the llama engine on stories260K", () => {
  let model: string;
  let engine: Engine;
  const events: ProgressEvent[] = [];
  beforeAll(async () => {
    model = sharedDataPath("stories260K");
    engine = await createLlamaEngine(model, { threads: 1, contextSize: 64, onEvent: (event) => events.push(event) });
  });
  afterAll(async () => engine?.close());

  it("embeds texts longer than the context from their first tokens, and counts them", async () => {
    const long = Array.from({ length: 12 }, () => STORY).join(" ");
    const matrix = (await engine.embed([STORY.slice(0, 30), long, `${long} The end.`])) as EmbeddedMatrix;
    expect(matrix.rows).toBe(3);
    expect(matrix.cols).toBe(64);
    expect(matrix.truncated).toBe(2);
    // Both long texts share their first 63 tokens, so they embed the same: truncation, not failure.
    const row = (i: number) => Array.from(matrix.data.subarray(i * 64, (i + 1) * 64));
    expect(row(1)).toEqual(row(2));
    expect(row(0)).not.toEqual(row(1));
  });

  it("meanEmbed gives each text the mean of its tokens' states, as tokenEmbed's rows average, and truncates as embed does", async () => {
    const texts = ["Lily loved to play.", "The dog ran to the park with Tom.", "Once upon a time"];
    const means = (await engine.meanEmbed!(texts)) as EmbeddedMatrix;
    expect([means.rows, means.cols, means.truncated]).toEqual([3, 64, 0]);
    for (const [i, text] of texts.entries()) {
      const tokens = await engine.tokenEmbed(text);
      const expected = weightedMean(tokens);
      const row = means.data.subarray(i * 64, (i + 1) * 64);
      for (let c = 0; c < 64; c++) expect(Math.abs(row[c] - expected[c])).toBeLessThan(1e-5);
    }
    // Not the pooled row (stories260K has no pooling type: its last token's state).
    const pooled = await engine.embed([texts[1]]);
    expect(Math.max(...Array.from(pooled.data, (value, c) => Math.abs(value - means.data[64 + c])))).toBeGreaterThan(1e-3);
    const long = Array.from({ length: 12 }, () => STORY).join(" ");
    expect(((await engine.meanEmbed!([long])) as EmbeddedMatrix).truncated).toBe(1);
  });

  it("completes with coherent text and scores a likely continuation above an unlikely one", async () => {
    const generation = await engine.complete("Once upon a time, there was a", { maxTokens: 12 });
    expect(generation.text).toMatch(/[a-z]+ [a-z]+/);
    const likely = await engine.score("Once upon a time, there was a little", " girl");
    const unlikely = await engine.score("Once upon a time, there was a little", " theorem");
    expect(likely.meanLoss).toBeLessThan(unlikely.meanLoss);
  });

  it("a prompt that cannot fit the context is a refusal of that one request", async () => {
    const long = Array.from({ length: 12 }, () => STORY).join(" ");
    const error = await engine.chat([{ role: "user", content: long }], { maxTokens: 8 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCallError);
    expect((error as Error).message).toMatch(/^prompt-too-long: the chat prompt \(\d+ tokens\) does not fit llama:\S+'s context of 64 tokens/);
    expect(isRequestRefusal(error)).toBe(true);
    const completion = await engine.complete(long, { maxTokens: 8 }).catch((e: unknown) => e);
    expect((completion as Error).message).toMatch(/^prompt-too-long: the complete prompt/);
    // The engine still works afterwards.
    expect((await engine.complete("Once upon a time", { maxTokens: 4 })).text.length).toBeGreaterThan(0);
  });

  it("decodes its own input-embedding rows back to text (§3.6)", async () => {
    const rows = await engine.inputEmbed("Lily loved to play in the park.");
    expect(rows.cols).toBe(64);
    const decoded = await engine.decodeEmbeddings(rows, { maxTokens: 8 });
    expect(decoded.text.trim().length).toBeGreaterThan(0);
    const tokens = await engine.tokenEmbed("Lily loved to play.");
    expect(tokens.cols).toBe(64);
  });

  it("loads a LoRA adapter and its generations change", async () => {
    const lora = join(dir, "stories-lora.gguf");
    await writeTinyLoraGguf(lora, model, { seed: 5, strength: 4 });
    const other = await createLlamaEngine(model, { threads: 1, contextSize: 64 });
    try {
      const before = await other.score("Once upon a time, there was a little", " girl");
      await other.loadLora(lora);
      const after = await other.score("Once upon a time, there was a little", " girl");
      expect(after.meanLoss).not.toBeCloseTo(before.meanLoss, 3);
    } finally {
      await other.close();
    }
  });

  it("allows a context above the training context with a warning, never capping it", async () => {
    const warnings: ProgressEvent[] = [];
    const wide = await createLlamaEngine(model, { threads: 1, contextSize: 2560, onEvent: (event) => warnings.push(event) });
    try {
      expect(warnings).toEqual([
        expect.objectContaining({ type: "warning", message: expect.stringMatching(/context 2560 is above the 2048 tokens the model was trained on/) }),
      ]);
      const matrix = (await wide.embed([Array.from({ length: 8 }, () => STORY).join(" ")])) as EmbeddedMatrix;
      expect(matrix.truncated).toBe(0);
    } finally {
      await wide.close();
    }
  });
});
