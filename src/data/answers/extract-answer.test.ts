import { describe, expect, it } from "vitest";
import { extractAnswer, type ExtractionMethod } from "./extract-answer.js";

const CASES: Array<[string, string, ExtractionMethod | null, string | null]> = [
  // [name, solution, method, answer]
  ["gsm8k marker", "She sold 48+24 = <<48+24=72>>72 clips.\n#### 72", "gsm8k", "72"],
  ["gsm8k with commas", "Total is 1,080.\n#### 1,080", "gsm8k", "1,080"],
  ["gsm8k trailing period", "#### 18.", "gsm8k", "18"],
  ["gsm8k last of several", "#### 3\nWait, recheck.\n#### 4", "gsm8k", "4"],
  ["gsm8k after text on the line", "so it is 9 #### 9", "gsm8k", "9"],
  ["gsm8k beats a box", "\\boxed{5}\n#### 6", "gsm8k", "6"],
  ["empty gsm8k marker falls through", "#### \nThe answer is 3.", "answer-is", "3"],
  ["five hashes are not gsm8k", "##### 5", null, null],
  ["boxed", "So $x = \\boxed{12}$.", "boxed", "12"],
  ["nested braces", "Thus \\boxed{\\frac{1}{\\sqrt{2}}}.", "boxed", "\\frac{1}{\\sqrt{2}}"],
  ["last box wins", "First \\boxed{1}, then \\boxed{2}, finally \\boxed{3}.", "boxed", "3"],
  ["fbox", "\\fbox{A}", "boxed", "A"],
  ["boxed without braces", "The answer is $\\boxed 5$.", "boxed", "5"],
  ["box beats answer-is", "The answer is $\\boxed{5}$.", "boxed", "5"],
  ["escaped braces inside a box", "\\boxed{\\{1,2\\}}", "boxed", "\\{1,2\\}"],
  ["unclosed box ignored", "\\boxed{4} and then \\boxed{\\frac{1}{2}", "boxed", "4"],
  ["empty box ignored", "\\boxed{} The answer is 2", "answer-is", "2"],
  ["boxed text", "\\boxed{\\text{(B)}}", "boxed", "\\text{(B)}"],
  ["heading with colon", "Work...\n### Final answer: 42", "final-answer-heading", "42"],
  ["heading then next line", "Work...\n### Final Answer\n\n$\\frac{1}{2}$\n", "final-answer-heading", "\\frac{1}{2}"],
  ["final_answer heading", "### <final_answer>\n17", "final-answer-heading", "17"],
  ["answer heading", "## Answer\n**-4**", "final-answer-heading", "-4"],
  ["four hashes and a label is a heading", "#### Final answer: 9", "final-answer-heading", "9"],
  ["bold label", "**Final Answer:** 7.", "final-answer-heading", "7"],
  ["bold label, colon outside", "**Answer**: 3.5", "final-answer-heading", "3.5"],
  ["plain label", "Reasoning.\nFinal answer: $\\$20$", "final-answer-heading", "\\$20"],
  ["multiple choice label", "Answer: B", "final-answer-heading", "B"],
  ["heading holding a sentence", "### Final Answer\nThe final answer is 12.", "final-answer-heading", "12"],
  ["last heading wins", "### Answer: 1\n### Answer: 2", "final-answer-heading", "2"],
  ["heading followed by another heading", "### Final Answer\n### Notes\nThe answer is 8.", "answer-is", "8"],
  ["heading text that is not an answer", "### Answer the question\nWe get 5.", null, null],
  ["answers (plural) is not a label", "### Answers: 5", null, null],
  ["answer is", "Adding gives 12. The answer is 12.", "answer-is", "12"],
  ["final answer is, math wrapper", "So the final answer is $\\frac{3}{4}$.", "answer-is", "\\frac{3}{4}"],
  ["answer is keeps decimals", "The answer is 3.5.", "answer-is", "3.5"],
  ["answer is keeps money", "The answer is $2.50.", "answer-is", "$2.50"],
  ["answer is, first sentence only", "The answer is 7. I double checked it.", "answer-is", "7"],
  ["answer is, last wins", "The answer is 3? No. The answer is 4!", "answer-is", "4"],
  ["answer is with colon and bold", "the answer is: **1,000**", "answer-is", "1,000"],
  ["answer is, inline math", "The answer is \\(x = 2\\).", "answer-is", "x = 2"],
  ["boxes joined by separators are one answer", "So $\\boxed{1}$ and $\\boxed{2}$.", "boxed", "1, 2"],
  ["boxes joined by \\quad and \\text{and}", "\\boxed{(2, 2)} \\quad \\text{and} \\quad \\boxed{(6, 2)}", "boxed", "(2, 2), (6, 2)"],
  ["prose between boxes: the last one", "I tried \\boxed{1}, which fails, so \\boxed{2}", "boxed", "2"],
  ["Answer without a colon, inline math", "Answer $9$", "final-answer-heading", "9"],
  ["Answer without a colon, display math over lines", "Answer \\[\n9\n\\]", "final-answer-heading", "9"],
  ["Answer without a colon, inline math does not span lines", "Answer $\n9\n$", null, null],
  ["Answer without math is not a label", "Answer the question: how many?", null, null],
  ["nothing", "I do not know.", null, null],
  ["empty", "", null, null],
];

describe("extractAnswer", () => {
  it.each(CASES)("%s", (_name, solution, method, answer) => {
    const extracted = extractAnswer(solution);
    if (method === null) expect(extracted).toBeNull();
    else expect(extracted).toEqual({ method, answer });
  });

  it("takes the boxes the options name: the first group, or all of them", () => {
    const solution = "Draft: \\boxed{1}, \\boxed{2}. Checked again, it is \\boxed{3}.";
    expect(extractAnswer(solution)).toEqual({ method: "boxed", answer: "3" });
    expect(extractAnswer(solution, { boxes: "first" })).toEqual({ method: "boxed", answer: "1, 2" });
    expect(extractAnswer(solution, { boxes: "all" })).toEqual({ method: "boxed", answer: "1, 2, 3" });
  });

  it("falls back to the last number of prose only when asked, and keeps inline math around it", () => {
    expect(extractAnswer("The train's speed is 50 km/h")).toBeNull();
    expect(extractAnswer("The train's speed is 50 km/h", { lastNumberFallback: true })).toEqual({ method: "last-number", answer: "50" });
    expect(extractAnswer("It took 3 hours, so 1,250 miles in all", { lastNumberFallback: true })).toEqual({ method: "last-number", answer: "1,250" });
    expect(extractAnswer("Therefore $x \\geq 5$ is the solution.", { lastNumberFallback: true })).toEqual({ method: "last-number", answer: "x \\geq 5" });
    // A bare answer is not prose: no number is taken from `2x+1`.
    expect(extractAnswer("2x+1", { lastNumberFallback: true })).toBeNull();
    // A stated answer always wins over the fallback.
    expect(extractAnswer("The answer is 7. Some would say 8", { lastNumberFallback: true })).toEqual({ method: "answer-is", answer: "7" });
  });

  it("handles Windows line endings", () => {
    expect(extractAnswer("Step.\r\n### Final Answer\r\n\r\n15\r\n")).toEqual({ method: "final-answer-heading", answer: "15" });
    expect(extractAnswer("Step.\r\n#### 15\r\n")).toEqual({ method: "gsm8k", answer: "15" });
  });
});
