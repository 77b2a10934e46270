import type { Capability, Engine } from "../core/engine.js";

export interface CapabilityCheck {
  capability: Capability;
  status: "ok" | "failed" | "not-checked";
  milliseconds?: number;
  /** What came back ("8 dims", "\"OK\"…") or why it failed / was not checked. */
  detail: string;
}

export interface EngineCheckReport {
  spec: string;
  kind: string;
  model: string;
  capabilities: Capability[];
  checks: CapabilityCheck[];
  ok: boolean;
}

const ALL: Capability[] = ["embed", "token-embed", "input-embed", "chat", "complete", "score", "decode-embeddings", "lora"];

const preview = (text: string) => JSON.stringify(text.length > 40 ? text.slice(0, 39) + "…" : text);

/**
 * One small real call per declared capability, so a user learns before a long run whether the
 * engine answers and in what shape. Capabilities the engine lacks are listed, not called.
 */
export async function checkEngine(engine: Engine, options: { lora?: string } = {}): Promise<EngineCheckReport> {
  const checks: CapabilityCheck[] = [];
  const smoke: Record<Capability, () => Promise<string>> = {
    embed: async () => {
      const m = await engine.embed(["The quick brown fox."], { stage: "check" });
      return `${m.cols} dims`;
    },
    "token-embed": async () => {
      const m = await engine.tokenEmbed("The quick brown fox.", { stage: "check" });
      return `${m.rows} tokens × ${m.cols} dims`;
    },
    "input-embed": async () => {
      const m = await engine.inputEmbed("The quick brown fox.");
      return `${m.rows} tokens × ${m.cols} dims`;
    },
    chat: async () => {
      const g = await engine.chat([{ role: "user", content: "Reply with the word OK." }], { maxTokens: 8, stage: "check" });
      return `${preview(g.text)} (${g.usage.promptTokens}+${g.usage.completionTokens} tokens)`;
    },
    complete: async () => {
      const g = await engine.complete("1, 2, 3,", { maxTokens: 6, stage: "check" });
      return `${preview(g.text)} (${g.usage.completionTokens} tokens)`;
    },
    score: async () => {
      const s = await engine.score("The sky is", " blue.", { stage: "check" });
      return `${s.tokenLogprobs.length} tokens, mean loss ${s.meanLoss.toFixed(3)}`;
    },
    "decode-embeddings": async () => {
      if (!engine.capabilities.has("input-embed")) throw new NotChecked("needs input-embedding rows, which this engine cannot give; it is used with rows from a llama engine of the same model");
      const rows = await engine.inputEmbed("hello");
      const g = await engine.decodeEmbeddings(rows, { prefix: "Repeat: ", maxTokens: 6 });
      return `${preview(g.text)} from ${rows.rows} embedding rows`;
    },
    lora: async () => {
      if (!options.lora) throw new NotChecked("needs an adapter to load: give its path as the lora option");
      await engine.loadLora(options.lora);
      return `loaded ${options.lora}`;
    },
  };
  for (const capability of ALL) {
    if (!engine.capabilities.has(capability)) continue;
    const started = performance.now();
    try {
      const detail = await smoke[capability]();
      checks.push({ capability, status: "ok", milliseconds: performance.now() - started, detail });
    } catch (error) {
      if (error instanceof NotChecked) checks.push({ capability, status: "not-checked", detail: error.message });
      else checks.push({ capability, status: "failed", milliseconds: performance.now() - started, detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return {
    spec: engine.spec,
    kind: engine.kind,
    model: engine.model,
    capabilities: ALL.filter((capability) => engine.capabilities.has(capability)),
    checks,
    ok: checks.every((check) => check.status !== "failed"),
  };
}

class NotChecked extends Error {}
