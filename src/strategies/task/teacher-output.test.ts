import { describe, expect, it } from "vitest";
import { parseTeacherOutput } from "./teacher-output.js";

describe("parseTeacherOutput", () => {
  it("reads bare JSON, fenced JSON and JSON amid prose", () => {
    const json = JSON.stringify({ question: "How many apples are left?", answer: "5 - 2 = 3", final_answer: "3" });
    for (const text of [json, "```json\n" + json + "\n```", `Sure! Here it is:\n${json}\nHope this helps.`]) {
      const parsed = parseTeacherOutput(text);
      expect(parsed).toMatchObject({ ok: true, via: "json", example: { question: "How many apples are left?", answer: "5 - 2 = 3", finalAnswer: "3" } });
    }
  });

  it("accepts key variants and a numeric final answer", () => {
    const parsed = parseTeacherOutput(JSON.stringify({ Problem: "What is 6 times 7 in total?", Solution: "6 × 7 = 42", "Final Answer": 42 }));
    expect(parsed).toMatchObject({ ok: true, example: { question: "What is 6 times 7 in total?", answer: "6 × 7 = 42", finalAnswer: "42" } });
  });

  it("reads labelled sections, including markdown headings and bold labels", () => {
    const text = "**Question:** A train leaves at 3 pm and travels for 2 hours. When does it arrive?\n\n### Solution\nIt leaves at 3 pm.\nStep 2: 3 + 2 = 5.\n\nFinal answer: 5 pm";
    const parsed = parseTeacherOutput(text);
    expect(parsed).toEqual({
      ok: true,
      via: "sections",
      example: { question: "A train leaves at 3 pm and travels for 2 hours. When does it arrive?", answer: "It leaves at 3 pm.\nStep 2: 3 + 2 = 5.", finalAnswer: "5 pm" },
    });
  });

  it("says why it cannot read a reply", () => {
    expect(parseTeacherOutput("")).toEqual({ ok: false, reason: "empty response" });
    expect(parseTeacherOutput("I cannot help with that.")).toEqual({ ok: false, reason: "no JSON object and no labelled Question/Answer sections" });
    const noQuestion = parseTeacherOutput('{"answer": "3", "final_answer": "3"}');
    expect(noQuestion.ok).toBe(false);
    expect(!noQuestion.ok && noQuestion.reason).toMatch(/no "question" text \(keys: answer, final_answer\)/);
    expect(parseTeacherOutput('{"question": "What is 1 + 1 here?", "answer": ')).toMatchObject({ ok: false });
  });
});
