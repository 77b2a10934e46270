import { describe, expect, it } from "vitest";
import { readAll } from "../../data/read-dataset.js";
import { sharedDataPath } from "../../../test/support/shared-data.js";
import { gradeAnswer } from "./grade-answer.js";

describe("gradeAnswer", () => {
  it("extracts both final answers and compares them with the equivalence checker", () => {
    expect(gradeAnswer(" 3 plus 103 is 106.\n#### 106", "Add: 3 + 103 = 106.\n#### 106")).toEqual({ extracted: "106", extractionMethod: "gsm8k", referenceAnswer: "106", correct: true });
    expect(gradeAnswer(" It is 117.\n#### 117", "#### 116")).toMatchObject({ extracted: "117", referenceAnswer: "116", correct: false });
    expect(gradeAnswer("The fraction reduces to $\\boxed{0.5}$.", "$\\boxed{\\frac{1}{2}}$")).toMatchObject({ extracted: "0.5", referenceAnswer: "\\frac{1}{2}", correct: true });
    expect(gradeAnswer("$\\boxed{[1, \\infty)}$", "$\\boxed{(1, \\infty)}$").correct).toBe(false);
  });

  it("takes a reference with no marked answer whole, and never passes an unanswered output or an empty reference", () => {
    expect(gradeAnswer("#### 42", "42")).toMatchObject({ referenceAnswer: "42", correct: true });
    expect(gradeAnswer("I do not know.", "#### 4")).toEqual({ extracted: null, extractionMethod: null, referenceAnswer: "4", correct: false });
    expect(gradeAnswer("#### 4", "   ")).toMatchObject({ extracted: "4", referenceAnswer: null, correct: false });
  });

  it("reads the boxes the extraction options name, and takes a prose number only when asked, from the output only", () => {
    const output = "I first guessed $\\boxed{3}$, but then found $\\boxed{4}$.";
    expect(gradeAnswer(output, "4")).toMatchObject({ extracted: "4", correct: true });
    expect(gradeAnswer(output, "4", { boxes: "first" })).toMatchObject({ extracted: "3", correct: false });
    expect(gradeAnswer(output, "\\{3, 4\\}", { boxes: "all" })).toMatchObject({ extracted: "3, 4", correct: true });
    const prose = "The train covers it at 50 km/h";
    expect(gradeAnswer(prose, "50")).toMatchObject({ extracted: null, correct: false });
    expect(gradeAnswer(prose, "50", { lastNumberFallback: true })).toMatchObject({ extracted: "50", extractionMethod: "last-number", correct: true });
    // The reference is never read for a prose number: it is taken whole.
    expect(gradeAnswer("#### 50", "It is 50 km/h", { lastNumberFallback: true })).toMatchObject({ referenceAnswer: "It is 50 km/h", correct: false });
  });

  it("grades every GSM8K test reference: its own final answer is right, one more is wrong", async () => {
    const { examples } = await readAll(sharedDataPath("gsm8k-test"));
    expect(examples).toHaveLength(1319);
    let right = 0;
    let wrong = 0;
    for (const example of examples) {
      const answer = gradeAnswer(example.answer, example.answer).referenceAnswer!;
      if (gradeAnswer(` Working it out gives ${answer}.\n#### ${answer}`, example.answer).correct) right++;
      if (gradeAnswer(` I think it is ${Number(answer.replace(/,/g, "")) + 1}.\n#### ${Number(answer.replace(/,/g, "")) + 1}`, example.answer).correct) wrong++;
    }
    expect([right, wrong]).toEqual([1319, 0]);
  });
});
