import { exampleForSchema, fakeTokenize, hashedLogprob, hashedVector } from "./fake-tokens.js";

/**
 * The test server's default answers: deterministic functions of the request, shaped like
 * vLLM's / OpenAI's responses. Tests replace any of them with `server.handle(route, fn)`.
 */

type Body = Record<string, unknown>;

const usage = (prompt: number, completion: number) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

/** Legacy completions `logprobs` block for tokens starting at character `start`. */
function legacyLogprobs(tokens: string[], start: number, nullFirst: boolean) {
  let offset = start;
  const textOffset = tokens.map((token) => {
    const at = offset;
    offset += token.length;
    return at;
  });
  const tokenLogprobs = tokens.map((token, i) => (nullFirst && i === 0 ? null : hashedLogprob(token, i)));
  return {
    tokens,
    token_logprobs: tokenLogprobs,
    text_offset: textOffset,
    top_logprobs: tokens.map((token, i) => (tokenLogprobs[i] === null ? null : { [token]: tokenLogprobs[i] })),
  };
}

/** Cut generated tokens at `max_tokens`. */
function limit(tokens: string[], maxTokens: unknown): { tokens: string[]; finish: string } {
  if (typeof maxTokens === "number" && tokens.length > maxTokens) return { tokens: tokens.slice(0, maxTokens), finish: "length" };
  return { tokens, finish: "stop" };
}

/** A chat completion with the given text, shaped as the OpenAI API returns it. */
export function chatCompletion(text: string, body: Body, finish = "stop") {
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  const promptTokens = messages.reduce((sum, m) => sum + fakeTokenize(String(m.content ?? "")).length, 0);
  const tokens = fakeTokenize(text);
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text },
        finish_reason: finish,
        logprobs: body.logprobs
          ? { content: tokens.map((token, i) => ({ token, logprob: hashedLogprob(token, i), bytes: null, top_logprobs: [] })) }
          : null,
      },
    ],
    usage: usage(promptTokens, tokens.length),
  };
}

/** Default chat: JSON matching `response_format.json_schema.schema` if given, else an echo of the last message. */
export function defaultChat(body: Body) {
  const format = body.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === "json_schema") return chatCompletion(JSON.stringify(exampleForSchema(format.json_schema?.schema)), body);
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  const last = String(messages.at(-1)?.content ?? "");
  const { tokens, finish } = limit(fakeTokenize(`echo: ${last}`), body.max_tokens);
  return chatCompletion(tokens.join(""), body, finish);
}

/** A text completion, shaped as the OpenAI legacy completions API returns it. */
export function textCompletion(text: string, body: Body, finish = "stop") {
  const prompt = typeof body.prompt === "string" ? body.prompt : "";
  const promptTokens = fakeTokenize(prompt);
  const generated = fakeTokenize(text);
  const echo = body.echo === true;
  const allTokens = echo ? [...promptTokens, ...generated] : generated;
  const choice: Record<string, unknown> = {
    index: 0,
    text: echo ? prompt + text : text,
    finish_reason: finish,
    logprobs: typeof body.logprobs === "number" ? legacyLogprobs(allTokens, 0, echo) : null,
  };
  if (typeof body.prompt_logprobs === "number") {
    choice.prompt_logprobs = promptTokens.map((token, i) =>
      i === 0 ? null : { [String(1000 + i)]: { logprob: hashedLogprob(token, i), rank: 1, decoded_token: token } },
    );
  }
  return { id: "cmpl-test", object: "text_completion", model: body.model, choices: [choice], usage: usage(promptTokens.length, generated.length) };
}

/** Default completion: `prompt_embeds` → "decoded N bytes"; otherwise " echo: PROMPT", cut at max_tokens. */
export function defaultCompletion(body: Body) {
  if (typeof body.prompt_embeds === "string") {
    const bytes = Buffer.from(body.prompt_embeds, "base64").length;
    return textCompletion(` decoded ${bytes} bytes`, { ...body, prompt: "" });
  }
  const prompt = typeof body.prompt === "string" ? body.prompt : "";
  const { tokens, finish } = limit(fakeTokenize(` echo: ${prompt}`), body.max_tokens);
  return textCompletion(tokens.join(""), body, finish);
}

/** Default embeddings: one hash-seeded unit vector per input text. */
export function defaultEmbeddings(body: Body, dimensions: number) {
  const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? "")];
  return {
    object: "list",
    model: body.model,
    data: inputs.map((text, index) => ({ object: "embedding", index, embedding: hashedVector(text, dimensions) })),
    usage: usage(inputs.reduce((sum, text) => sum + fakeTokenize(text).length, 0), 0),
  };
}

/** Default vLLM `/pooling` with `task: "token_embed"`: one hash-seeded vector per token. */
export function defaultPooling(body: Body, dimensions: number) {
  const text = String(body.input ?? "");
  const tokens = fakeTokenize(text);
  return {
    object: "list",
    model: body.model,
    data: [{ index: 0, object: "pooling", data: tokens.map((token, i) => hashedVector(`${i}:${token}`, dimensions)) }],
    usage: usage(tokens.length, 0),
  };
}
