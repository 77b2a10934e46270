import type { Capability } from "../../core/engine.js";
import type { ServerKind } from "./identify-server.js";

/** Whether a kind of server can serve a capability at all, and if not, who can. */
export type Offer = { offered: true; note?: string } | { offered: false; why: string };

const VLLM_ONLY = "vLLM offers it";

/**
 * What each server kind offers through the routes gapfill calls, read from their sources and docs
 * (see FIELD-NOTES). "Offered" still may need a start flag (vLLM's pooling runner, llama.cpp's
 * `--embeddings`): the check then fails and its message names the flag.
 */
const OFFERS: Record<ServerKind, Partial<Record<Capability, Offer>>> = {
  vllm: {
    "input-embed": { offered: false, why: "no OpenAI-compatible server returns input-embedding rows; the llama engine does" },
  },
  "llama.cpp": {
    embed: { offered: true, note: "needs --embeddings --pooling mean" },
    "token-embed": { offered: false, why: `llama.cpp serves per-token vectors only on its native /embedding route with --pooling none; ${VLLM_ONLY} (/pooling)` },
    "input-embed": { offered: false, why: "no OpenAI-compatible server returns input-embedding rows; the llama engine does" },
    score: { offered: true, note: "by forced decoding (llama.cpp has no prompt log-probs)" },
    "decode-embeddings": { offered: false, why: `llama.cpp has no route that accepts input embeddings; ${VLLM_ONLY} (--enable-prompt-embeds) and so does the llama engine` },
    lora: { offered: false, why: `llama.cpp loads adapters only at start (--lora); loading one at run time: ${VLLM_ONLY} (/v1/load_lora_adapter), and so does the llama engine` },
  },
  ollama: {
    "token-embed": { offered: false, why: `Ollama pools its embeddings; ${VLLM_ONLY}` },
    "input-embed": { offered: false, why: "no OpenAI-compatible server returns input-embedding rows; the llama engine does" },
    score: { offered: false, why: "Ollama gives log-probs of generated tokens only, not of a given text; vLLM and llama.cpp's server do" },
    "decode-embeddings": { offered: false, why: `Ollama accepts no input embeddings; ${VLLM_ONLY}` },
    lora: { offered: false, why: `Ollama bakes adapters into a model (Modelfile ADAPTER); loading one at run time: ${VLLM_ONLY}` },
  },
  "openai-compatible": {
    "input-embed": { offered: false, why: "no OpenAI-compatible server returns input-embedding rows; the llama engine does" },
  },
};

/** What `kind` offers for `capability` (offered unless the table says otherwise). */
export function serverOffer(kind: ServerKind, capability: Capability): Offer {
  return OFFERS[kind][capability] ?? { offered: true };
}
