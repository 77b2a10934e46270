import type { ChatHistoryItem, Llama, LlamaContextSequence, LlamaGrammar, Token } from "node-llama-cpp";
import { LlamaChat, LlamaCompletion } from "node-llama-cpp";
import type { ChatMessage, GenerateOptions, Generation } from "../../core/engine.js";
import { scoreContinuation } from "./llama-score.js";

/** Default cap on generated tokens when a caller gives none. */
export const DEFAULT_MAX_TOKENS = 256;

type StopReason = "eogToken" | "stopGenerationTrigger" | "functionCalls" | "maxTokens" | "abort" | "customStopTrigger";

function finishReason(reason: StopReason): Generation["finishReason"] {
  if (reason === "maxTokens") return "length";
  if (reason === "abort" || reason === "functionCalls") return "other";
  return "stop";
}

const grammars = new WeakMap<Llama, Map<string, Promise<LlamaGrammar>>>();

/** JSON-schema grammars are compiled once per schema and reused. */
function grammarFor(llama: Llama, schema: Record<string, unknown>): Promise<LlamaGrammar> {
  let cache = grammars.get(llama);
  if (!cache) grammars.set(llama, (cache = new Map()));
  const key = JSON.stringify(schema);
  let grammar = cache.get(key);
  if (!grammar) {
    grammar = llama.createGrammarForJsonSchema(schema as Parameters<Llama["createGrammarForJsonSchema"]>[0]);
    cache.set(key, grammar);
  }
  return grammar;
}

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem => {
    if (m.role === "assistant") return { type: "model", response: [m.content] };
    return { type: m.role, text: m.content };
  });
}

/** Sampling settings shared by chat and completion: greedy unless a temperature is given. */
async function samplingOf(llama: Llama, options: GenerateOptions, defaultSeed: number | undefined) {
  return {
    maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
    temperature: options.temperature ?? 0,
    seed: options.seed ?? defaultSeed,
    customStopTriggers: options.stop?.filter((s) => s.length > 0),
    grammar: options.jsonSchema ? await grammarFor(llama, options.jsonSchema) : undefined,
    signal: options.signal,
    // node-llama-cpp penalizes repeats by default; gapfill's greedy means the model's own argmax.
    repeatPenalty: false as const,
  };
}

/** Tokens of the prompt the chat template renders for `messages` (with the open model turn). */
function chatPromptTokens(chat: LlamaChat, sequence: LlamaContextSequence, messages: readonly ChatMessage[]): number {
  const history = toHistory(messages);
  if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  const { contextText } = chat.chatWrapper.generateContextState({ chatHistory: history });
  return contextText.tokenize(sequence.model.tokenizer).length;
}

/**
 * Log-probs of the tokens behind the returned text. Scored again teacher-forced after the
 * generation; where the generated tokens begin in the sequence is found by matching them
 * (the last one may not have been evaluated yet).
 */
async function logprobsOf(sequence: LlamaContextSequence, generated: readonly Token[]): Promise<number[] | undefined> {
  if (generated.length === 0) return [];
  const context = sequence.contextTokens;
  for (const present of [generated.length, generated.length - 1]) {
    const start = context.length - present;
    if (start <= 0) continue;
    if (generated.slice(0, present).every((t, i) => context[start + i] === t)) {
      return (await scoreContinuation(sequence, context.slice(0, start), generated)).tokenLogprobs;
    }
  }
  return undefined;
}

/**
 * A prompt with no room left to answer in the context. node-llama-cpp would otherwise drop the
 * prompt's start (context shift) and answer a question nobody asked.
 */
export class PromptTooLong extends Error {
  constructor(
    readonly promptTokens: number,
    readonly contextSize: number,
  ) {
    super(`the prompt is ${promptTokens} tokens and the context holds ${contextSize}`);
  }
}

function requireRoom(promptTokens: number, sequence: LlamaContextSequence): void {
  if (promptTokens >= sequence.context.contextSize) throw new PromptTooLong(promptTokens, sequence.context.contextSize);
}

/** One chat turn on a cleared sequence, through the model's chat template. */
export async function chatOnce(llama: Llama, sequence: LlamaContextSequence, messages: readonly ChatMessage[], options: GenerateOptions, defaultSeed?: number): Promise<Generation> {
  await sequence.clearHistory();
  const before = sequence.tokenMeter.getState();
  const generated: Token[] = [];
  const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
  try {
    requireRoom(chatPromptTokens(chat, sequence, messages), sequence);
    const result = await chat.generateResponse(toHistory(messages), {
      ...(await samplingOf(llama, options, defaultSeed)),
      onToken: (tokens) => generated.push(...tokens),
    });
    const usage = sequence.tokenMeter.getState();
    const generation: Generation = {
      text: result.response,
      usage: { promptTokens: chatPromptTokens(chat, sequence, messages), completionTokens: usage.usedOutputTokens - before.usedOutputTokens },
      finishReason: finishReason(result.metadata.stopReason),
    };
    if (options.logprobs) generation.tokenLogprobs = await logprobsOf(sequence, generated);
    return generation;
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}

/** Plain completion of `prompt` on a cleared sequence. */
export async function completeOnce(llama: Llama, sequence: LlamaContextSequence, prompt: string, options: GenerateOptions, defaultSeed?: number): Promise<Generation> {
  await sequence.clearHistory();
  const before = sequence.tokenMeter.getState();
  const generated: Token[] = [];
  const model = sequence.model;
  // Tokenized here so the prompt count is exact. LlamaCompletion itself prepends BOS where the
  // vocab wants one (also to a token array), so it is counted but not added.
  const promptTokens = model.tokenize(prompt, false);
  const bosCount = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? 1 : 0;
  requireRoom(bosCount + promptTokens.length, sequence);
  const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
  try {
    const result = await completion.generateCompletionWithMeta(promptTokens, {
      ...(await samplingOf(llama, options, defaultSeed)),
      onToken: (tokens) => generated.push(...tokens),
    });
    const usage = sequence.tokenMeter.getState();
    const generation: Generation = {
      text: result.response,
      usage: { promptTokens: bosCount + promptTokens.length, completionTokens: usage.usedOutputTokens - before.usedOutputTokens },
      finishReason: finishReason(result.metadata.stopReason),
    };
    if (options.logprobs) generation.tokenLogprobs = await logprobsOf(sequence, generated);
    return generation;
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}
