import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readGgufHeader } from "../../src/engines/llama/gguf/gguf-reader.js";
import { GgmlType } from "../../src/engines/llama/gguf/gguf-types.js";
import { TINY_VOCAB, gpt2ByteToUnicode, writeTinyLlamaGguf, writeTinyLoraGguf } from "./tiny-gguf.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-tiny-"));

describe("gpt2ByteToUnicode", () => {
  it("maps printable bytes to themselves and the rest to distinct code points from 256", () => {
    const table = gpt2ByteToUnicode();
    expect(table).toHaveLength(256);
    expect(new Set(table).size).toBe(256);
    expect(table["A".charCodeAt(0)]).toBe("A");
    expect(table[0x20]).toBe("Ġ"); // GPT-2's well-known space marker
    expect(table[0x0a]).toBe("Ċ");
    expect(table[0].codePointAt(0)).toBe(256);
  });
});

describe("writeTinyLlamaGguf", () => {
  it("writes a GGUF v3 llama model our reader parses back with the requested shape", async () => {
    const path = join(dir, "shape.gguf");
    await writeTinyLlamaGguf(path, { embd: 32, layers: 3, heads: 2, headsKv: 1, ff: 64, context: 128 });
    const header = await readGgufHeader(path);
    expect(header.version).toBe(3);
    const meta = header.metadata;
    expect(meta.get("general.architecture")).toBe("llama");
    expect(meta.get("llama.embedding_length")).toBe(32);
    expect(meta.get("llama.block_count")).toBe(3);
    expect(meta.get("llama.attention.head_count_kv")).toBe(1);
    expect(meta.get("tokenizer.ggml.model")).toBe("gpt2");
    expect(meta.get("tokenizer.ggml.merges")).toEqual([]);
    const tokens = meta.get("tokenizer.ggml.tokens") as string[];
    expect(tokens).toHaveLength(TINY_VOCAB.size);
    expect(tokens[TINY_VOCAB.eos]).toBe("</s>");
    expect(tokens[TINY_VOCAB.firstByte + 0x41]).toBe("A");
    expect(header.tensors.get("token_embd.weight")?.dims).toEqual([32, TINY_VOCAB.size]);
    expect(header.tensors.get("blk.2.attn_k.weight")?.dims).toEqual([32, 16]); // kv dim = head dim × 1 kv head
    expect(header.tensors.get("blk.2.ffn_down.weight")?.dims).toEqual([64, 32]);
    expect(header.tensors.size).toBe(3 + 3 * 9);
    for (const info of header.tensors.values()) expect(info.fileOffset % 32).toBe(0);
  });

  it("is deterministic per seed and differs across seeds", async () => {
    await writeTinyLlamaGguf(join(dir, "s1a.gguf"), { seed: 1 });
    await writeTinyLlamaGguf(join(dir, "s1b.gguf"), { seed: 1 });
    await writeTinyLlamaGguf(join(dir, "s2.gguf"), { seed: 2 });
    const a = readFileSync(join(dir, "s1a.gguf"));
    expect(a.equals(readFileSync(join(dir, "s1b.gguf")))).toBe(true);
    expect(a.equals(readFileSync(join(dir, "s2.gguf")))).toBe(false);
  });

  it("stores the weight matrices quantized when asked, norms stay F32", async () => {
    const path = join(dir, "q.gguf");
    await writeTinyLlamaGguf(path, { quant: "q8_0" });
    const header = await readGgufHeader(path);
    expect(header.tensors.get("token_embd.weight")?.type).toBe(GgmlType.Q8_0);
    expect(header.tensors.get("blk.0.ffn_up.weight")?.type).toBe(GgmlType.Q8_0);
    expect(header.tensors.get("blk.0.attn_norm.weight")?.type).toBe(GgmlType.F32);
    const q4 = join(dir, "q4.gguf");
    await writeTinyLlamaGguf(q4, { quant: "q4_0", tiedOutput: true });
    const h4 = await readGgufHeader(q4);
    expect(h4.tensors.get("token_embd.weight")?.type).toBe(GgmlType.Q4_0);
    expect(h4.tensors.has("output.weight")).toBe(false);
  });

  it("rejects a shape llama cannot have", async () => {
    await expect(writeTinyLlamaGguf(join(dir, "bad.gguf"), { embd: 30, heads: 4 })).rejects.toThrow(/divisible/);
  });
});

describe("writeTinyLoraGguf", () => {
  it("writes lora_a [in, rank] / lora_b [rank, out] pairs with adapter metadata, shape read from the base model", async () => {
    const base = join(dir, "base.gguf");
    await writeTinyLlamaGguf(base, { embd: 64, ff: 96, layers: 2 });
    const path = join(dir, "lora.gguf");
    await writeTinyLoraGguf(path, base, { rank: 2, alpha: 3, targets: ["attn_q", "ffn_down"] });
    const header = await readGgufHeader(path);
    expect(header.metadata.get("general.type")).toBe("adapter");
    expect(header.metadata.get("adapter.type")).toBe("lora");
    expect(header.metadata.get("adapter.lora.alpha")).toBe(3);
    expect([...header.tensors.keys()].sort()).toEqual([
      "blk.0.attn_q.weight.lora_a", "blk.0.attn_q.weight.lora_b", "blk.0.ffn_down.weight.lora_a", "blk.0.ffn_down.weight.lora_b",
      "blk.1.attn_q.weight.lora_a", "blk.1.attn_q.weight.lora_b", "blk.1.ffn_down.weight.lora_a", "blk.1.ffn_down.weight.lora_b",
    ]);
    expect(header.tensors.get("blk.1.ffn_down.weight.lora_a")?.dims).toEqual([96, 2]);
    expect(header.tensors.get("blk.1.ffn_down.weight.lora_b")?.dims).toEqual([2, 64]);
  });
});
