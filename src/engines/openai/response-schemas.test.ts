import { describe, expect, it } from "vitest";
import { chatResponseSchema, completionResponseSchema, embeddingsResponseSchema, poolingResponseSchema } from "./response-schemas.js";

/** The path and message of the first problem zod finds, or "ok". */
function firstProblem(result: { success: boolean; error?: { issues: Array<{ path: (string | number)[]; message: string }> } }): string {
  if (result.success) return "ok";
  const issue = result.error!.issues[0];
  return `${issue.path.join(".")}: ${issue.message}`;
}

describe("response schemas (checked in one loop per array)", () => {
  it("pass well-formed answers on as they came, arrays included", () => {
    const embedding = [0.5, -1, 2];
    const parsed = embeddingsResponseSchema.parse({ data: [{ index: 0, embedding }], usage: null });
    expect(parsed.data[0].embedding).toBe(embedding);
    expect(poolingResponseSchema.safeParse({ data: [{ data: [[1, 2], [3, 4]] }] }).success).toBe(true);
    const completion = {
      choices: [{ text: "a b", logprobs: { tokens: ["a", " b"], token_logprobs: [null, -0.5], text_offset: [0, 1], content: [{ token: "a", logprob: -1 }] } }],
    };
    expect(firstProblem(completionResponseSchema.safeParse(completion))).toBe("ok");
    expect(firstProblem(chatResponseSchema.safeParse({ choices: [{ message: { content: "x" }, logprobs: { content: [{ logprob: -0.1, token: "x" }] } }] }))).toBe("ok");
  });

  it("name the field whose array holds a wrong element", () => {
    expect(firstProblem(embeddingsResponseSchema.safeParse({ data: [{ index: 0, embedding: [1, "2", 3] }] }))).toBe("data.0.embedding: expected an array of numbers");
    expect(firstProblem(embeddingsResponseSchema.safeParse({ data: [{ index: 0, embedding: "1,2" }] }))).toBe("data.0.embedding: expected an array of numbers");
    expect(firstProblem(poolingResponseSchema.safeParse({ data: [{ data: [[1, 2], [3, null]] }] }))).toBe("data.0.data: expected an array of rows of numbers");
    const badTokens = { choices: [{ text: "a", logprobs: { tokens: ["a", 7], token_logprobs: [null, -1] } }] };
    expect(firstProblem(completionResponseSchema.safeParse(badTokens))).toBe("choices.0.logprobs.tokens: expected an array of strings");
    const badLogprob = { choices: [{ text: "a", logprobs: { tokens: ["a"], token_logprobs: ["-1"] } }] };
    expect(firstProblem(completionResponseSchema.safeParse(badLogprob))).toBe("choices.0.logprobs.token_logprobs: expected an array of numbers or nulls");
    const badContent = { choices: [{ message: { content: "x" }, logprobs: { content: [{ token: "x" }] } }] };
    expect(firstProblem(chatResponseSchema.safeParse(badContent))).toBe("choices.0.logprobs.content: expected an array of {logprob} objects");
  });
});
