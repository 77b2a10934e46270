import { describe, expect, it } from "vitest";
import { detectAnswerStyle, validateExample } from "./validate-example.js";

const question = "Tom has 3 apples and buys 5 more. How many apples does he have?";

describe("validateExample", () => {
  it("accepts a final answer from the field and appends it in the dataset's style when the worked answer lacks one", () => {
    expect(validateExample({ question, answer: "3 + 5 = 8", finalAnswer: "8" }, "gsm8k")).toEqual({ ok: true, example: { question, answer: "3 + 5 = 8\n#### 8", finalAnswer: "8" } });
    expect(validateExample({ question, answer: "3 + 5 = 8", finalAnswer: "8" }, "boxed")).toMatchObject({ ok: true, example: { answer: "3 + 5 = 8\nThe final answer is $\\boxed{8}$." } });
  });

  it("takes the final answer from the worked answer when the field is empty, and keeps the answer as written", () => {
    expect(validateExample({ question, answer: "3 + 5 = 8\n#### 8", finalAnswer: "" }, "gsm8k")).toEqual({ ok: true, example: { question, answer: "3 + 5 = 8\n#### 8", finalAnswer: "8" } });
  });

  it("rejects disagreement between the field and the worked answer, but not equivalent forms", () => {
    expect(validateExample({ question, answer: "so the answer is 9", finalAnswer: "8" }, "gsm8k")).toMatchObject({ ok: false, reason: "answer-mismatch" });
    expect(validateExample({ question, answer: "so the answer is 8.0", finalAnswer: "8" }, "gsm8k")).toMatchObject({ ok: true });
  });

  it("rejects a missing question, answer or final answer with the reason", () => {
    expect(validateExample({ question: "Why?", answer: "8", finalAnswer: "8" }, "gsm8k")).toMatchObject({ ok: false, reason: "invalid", detail: expect.stringContaining("question") });
    expect(validateExample({ question, answer: " ", finalAnswer: "8" }, "gsm8k")).toMatchObject({ ok: false, reason: "invalid", detail: "worked answer is empty" });
    expect(validateExample({ question, answer: "add them up", finalAnswer: "" }, "gsm8k")).toMatchObject({ ok: false, reason: "invalid", detail: expect.stringContaining("no final answer") });
  });
});

describe("detectAnswerStyle", () => {
  it("follows the majority of the answers", () => {
    expect(detectAnswerStyle(["a\n#### 1", "b\n#### 2", "c \\boxed{3}"])).toBe("gsm8k");
    expect(detectAnswerStyle(["\\boxed{1}", "\\boxed{2}", "#### 3"])).toBe("boxed");
    expect(detectAnswerStyle(["one", "two", "Final answer: 3"])).toBe("plain");
  });
});
