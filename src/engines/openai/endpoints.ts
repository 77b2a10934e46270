/**
 * The routes the OpenAI engine calls. `api` is the path as the OpenAI Batch format and the
 * request cache name it; `path` is relative to a base URL (which ends in `/v1`); `fromRoot`
 * routes live at the server root (vLLM's `/pooling`). `hints` explain an error status that
 * usually means the server was started without the feature.
 */
export interface ApiEndpoint {
  api: string;
  path: string;
  fromRoot?: boolean;
  hints?: Partial<Record<number, string>>;
}

export const CHAT: ApiEndpoint = { api: "/v1/chat/completions", path: "/chat/completions" };

export const COMPLETIONS: ApiEndpoint = { api: "/v1/completions", path: "/completions" };

export const SCORE_ECHO: ApiEndpoint = {
  ...COMPLETIONS,
  hints: {
    400: "the server may not accept echo with logprobs (llama.cpp and Ollama do not); with vLLM try the spec option ?score=prompt_logprobs",
    404: "the server has no /v1/completions; scoring needs a completions route with logprobs (vLLM)",
  },
};

export const SCORE_PROMPT_LOGPROBS: ApiEndpoint = {
  ...COMPLETIONS,
  hints: { 400: "prompt_logprobs is a vLLM extension; other servers need ?score=echo", 404: "the server has no /v1/completions" },
};

export const PROMPT_EMBEDS: ApiEndpoint = {
  ...COMPLETIONS,
  hints: {
    400: "decoding from embeddings needs vLLM started with --enable-prompt-embeds",
    404: "decoding from embeddings needs vLLM's /v1/completions started with --enable-prompt-embeds",
  },
};

export const EMBEDDINGS: ApiEndpoint = {
  api: "/v1/embeddings",
  path: "/embeddings",
  hints: { 404: "the server has no /v1/embeddings: vLLM needs --runner pooling --convert embed (older: --task embed), llama.cpp needs --embeddings" },
};

export const POOLING: ApiEndpoint = {
  api: "/pooling",
  path: "/pooling",
  fromRoot: true,
  hints: {
    400: "per-token embeddings need vLLM started with --runner pooling --convert embed (token_embed task)",
    404: "per-token embeddings need vLLM's /pooling (start it with --runner pooling --convert embed); llama.cpp offers them only on its native /embedding route",
  },
};

export const LOAD_LORA: ApiEndpoint = {
  api: "/v1/load_lora_adapter",
  path: "/load_lora_adapter",
  hints: { 404: "loading LoRA adapters at run time needs vLLM started with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True" },
};
