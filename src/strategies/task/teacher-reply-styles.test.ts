import { describe, expect, it } from "vitest";
import { readExample } from "./teacher-task.js";

/**
 * Reply styles real teachers write, each read end to end (parse + validate) as the accept step
 * does. Every reply carries the same example, so each must give question Q, a worked answer that
 * contains the arithmetic, and the final answer 92.
 */
const Q = "A baker makes 4 trays of 23 muffins each. How many muffins does the baker make?";
const W = "Each tray holds 23 muffins and there are 4 trays, so 4 × 23 = 92 muffins.";
const json = JSON.stringify({ question: Q, answer: W, final_answer: "92" });

const STYLES: Record<string, string> = {
  "bare JSON": json,
  "fenced JSON with a language": "```json\n" + json + "\n```",
  "fenced JSON without a language": "```\n" + json + "\n```",
  "JSON amid prose": `Sure! Here is a new problem:\n\n${json}\n\nLet me know if you need another.`,
  "pretty-printed JSON": JSON.stringify({ question: Q, answer: W, final_answer: "92" }, null, 2),
  "JSON with a numeric final answer": JSON.stringify({ question: Q, answer: W, final_answer: 92 }),
  "JSON with capitalised keys": JSON.stringify({ Question: Q, Answer: W, "Final Answer": "92" }),
  "JSON with problem/solution keys": JSON.stringify({ problem: Q, solution: W, result: "92" }),
  "JSON with rationale first (S3)": JSON.stringify({ rationale: "Multiply trays by muffins.", question: Q, answer: W, final_answer: "92" }),
  "JSON nested under example": JSON.stringify({ example: { question: Q, answer: W, final_answer: "92" } }),
  "JSON array of one object": JSON.stringify([{ question: Q, answer: W, final_answer: "92" }]),
  "JSON with a trailing comma": `{"question": ${JSON.stringify(Q)}, "answer": ${JSON.stringify(W)}, "final_answer": "92",}`,
  "JSON with the answer as a list of steps": JSON.stringify({ question: Q, answer: ["Each tray holds 23 muffins and there are 4 trays.", "4 × 23 = 92 muffins."], final_answer: "92" }),
  "JSON after a think block with braces": `<think>I should output {"question": ...} with a nice problem; maybe {x}?</think>\n${json}`,
  "JSON after a think block, CRLF": `<think>\r\nplan it\r\n</think>\r\n${json}`,
  "JSON with the final answer in a sentence only": JSON.stringify({ question: Q, answer: `${W} The answer is 92.` }),
  "labelled sections": `Question: ${Q}\nAnswer: ${W}\nFinal answer: 92`,
  "bold labels": `**Question:** ${Q}\n\n**Solution:** ${W}\n\n**Final Answer:** 92`,
  "markdown headings": `## Question\n${Q}\n\n## Solution\n${W}\n\n## Final Answer\n92`,
  "EmbedSDG format, ### <final_answer> X": `### Question\n${Q}\n\n### Answer\n${W}\n\n### <final_answer> 92`,
  "EmbedSDG format with a colon": `### Question:\n${Q}\n### Answer:\n${W}\n### <final_answer>: 92`,
  "Final answer X without a colon": `Question: ${Q}\nSolution: ${W}\nFinal answer 92`,
  "boxed answer, no final label": `Problem: ${Q}\nSolution: ${W} So the answer is $\\boxed{92}$.`,
  "The answer is X": `Question: ${Q}\nAnswer: ${W} The answer is 92.`,
  "GSM8K #### marker": `Question: ${Q}\nAnswer: ${W}\n#### 92`,
  "Q:/A: labels": `Q: ${Q}\nA: ${W}\n#### 92`,
  "numbered labels": `1. Question: ${Q}\n2. Solution: ${W}\n3. Final answer: 92`,
  "new question / worked solution labels": `New question: ${Q}\nWorked solution: ${W}\nFinal answer: 92`,
  "XML-ish tags": `<question>${Q}</question>\n<answer>${W}</answer>\n<final_answer>92</final_answer>`,
  "final answer in dollars": `Question: ${Q}\nAnswer: ${W}\nFinal Answer: $92$`,
  "preamble before sections": `Here is a new problem that combines both seeds.\n\nQuestion: ${Q}\n\nSolution:\n${W}\n\nFinal answer: 92`,
  "multi-line question and answer": `### Question\nA baker makes 4 trays of 23 muffins each.\nHow many muffins does the baker make?\n### Answer\nEach tray holds 23 muffins.\n4 × 23 = 92 muffins.\n### <final_answer> 92`,
  "heading with bold label": `### **Question**\n${Q}\n### **Answer**\n${W}\n### **Final answer**: 92`,
  "indented labels": `  Question: ${Q}\n  Answer: ${W}\n  Final answer: 92`,
  "Final answer is X": `Question: ${Q}\nAnswer: ${W}\nThe final answer is 92.`,
};

describe("teacher replies in the styles real models write", () => {
  it("has at least 30 styles", () => {
    expect(Object.keys(STYLES).length).toBeGreaterThanOrEqual(30);
  });

  for (const [style, reply] of Object.entries(STYLES)) {
    it(`accepts ${style}`, () => {
      const output = readExample(reply, { style: "gsm8k" });
      if (!output.ok) throw new Error(`${style}: rejected (${output.reason}: ${output.detail})`);
      expect(output.example.question.replace(/\s+/g, " ")).toBe(Q);
      expect(output.example.answer).toContain("4 × 23 = 92");
      expect(output.example.finalAnswer).toBe("92");
      // The stored answer ends with the final answer in the dataset's style (or already states it).
      expect(output.example.answer).toMatch(/92/);
    });
  }
});

describe("text that is not text never passes", () => {
  const cases: Record<string, string> = {
    "replacement characters in the final answer": JSON.stringify({ question: Q, answer: W, final_answer: "9\uFFFD\uFFFD" }),
    "replacement characters in the question": JSON.stringify({ question: `${Q} \uFFFD\uFFFD`, answer: W, final_answer: "92" }),
    "control bytes in the answer": JSON.stringify({ question: Q, answer: `${W}\u0001\u0002`, final_answer: "92" }),
    "a NUL in the question": JSON.stringify({ question: `${Q}\u0000`, answer: W, final_answer: "92" }),
    "a lone surrogate": JSON.stringify({ question: `${Q}\uD800x`, answer: W, final_answer: "92" }),
    "random bytes decoded as UTF-8": JSON.stringify({
      question: Buffer.from([0x8f, 0x41, 0xc3, 0x28, 0x1b, 0x5b, 0xff, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47]).toString("utf8"),
      answer: Buffer.from([0xfe, 0x31, 0x32, 0x07]).toString("utf8"),
      final_answer: "12",
    }),
    "a final answer with no digit or math": JSON.stringify({ question: Q, answer: "Count them all up carefully.", final_answer: "many muffins" }),
    "a worked answer whose only result is a word": `Question: ${Q}\nAnswer: ${W} The answer is lots.`,
  };
  for (const [name, reply] of Object.entries(cases)) {
    it(`rejects ${name}`, () => {
      const output = readExample(reply, { style: "gsm8k" });
      expect(output.ok).toBe(false);
      expect(!output.ok && output.reason).toBe("invalid");
    });
  }

  it("names the character and where it is", () => {
    const output = readExample(JSON.stringify({ question: Q, answer: W, final_answer: "9\uFFFD" }), { style: "gsm8k" });
    expect(output).toMatchObject({ ok: false, detail: "final_answer holds a replacement character (U+FFFD: bytes that were not UTF-8) at offset 1" });
  });

  it("still accepts math without digits and non-ASCII text", () => {
    expect(readExample(JSON.stringify({ question: "Write the ratio of a to b as a fraction.", answer: "The ratio is a over b.", final_answer: "\\frac{a}{b}" }), { style: "boxed" }).ok).toBe(true);
    expect(readExample(JSON.stringify({ question: "Quelle est la valeur de π arrondie ?", answer: "π vaut environ 3,14.", final_answer: "π" }), { style: "plain" }).ok).toBe(true);
    expect(readExample(JSON.stringify({ question: "What is the ratio of the circle's area to r²?", answer: "The area is \\pi r^2, so the ratio is \\pi.", final_answer: "\\pi" }), { style: "boxed" }).ok).toBe(true);
  });
});
