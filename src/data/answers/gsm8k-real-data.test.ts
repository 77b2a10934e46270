import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedDataPath } from "../../../test/support/shared-data.js";
import { answersEquivalent } from "./answers-equivalent.js";
import { extractAnswer } from "./extract-answer.js";
import { normalizeAnswer } from "./normalize-answer.js";
import { parseNumericAnswer } from "./parse-numeric-answer.js";

function referenceAnswers(split: "train" | "test"): string[] {
  const text = readFileSync(sharedDataPath(`gsm8k-${split}`), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { answer: string }).answer);
}

const withCommas = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 20 });

describe.each([
  ["train", 7473],
  ["test", 1319],
] as const)("GSM8K %s split", (split, rows) => {
  const solutions = referenceAnswers(split);

  it(`extracts a numeric answer from every one of the ${rows} solutions with the gsm8k rule`, () => {
    expect(solutions).toHaveLength(rows);
    const extracted = solutions.map((solution) => extractAnswer(solution));
    expect(extracted.filter((answer) => answer?.method === "gsm8k")).toHaveLength(rows);
    const values = extracted.map((answer) => parseNumericAnswer(answer?.answer ?? ""));
    expect(values.filter((value) => value !== null)).toHaveLength(rows);
    // Answers written with thousands commas are part of the data: they must parse to the big number.
    const commaAnswers = extracted.filter((answer) => answer?.answer.includes(","));
    expect(commaAnswers.length).toBeGreaterThan(0);
    for (const answer of commaAnswers) expect(parseNumericAnswer(answer!.answer)).toBeGreaterThanOrEqual(1000);
  });

  it("matches each answer reformatted, and not its neighbour", () => {
    // Collect every disagreement, so a failure lists them all instead of stopping at the first.
    const wrong: string[] = [];
    let checked = 0;
    for (const solution of solutions) {
      const answer = extractAnswer(solution)!.answer;
      const value = parseNumericAnswer(answer)!;
      const forms = [String(value), withCommas(value), `$${withCommas(value)}`, `${withCommas(value)} dollars`, `\\boxed{${value}}`];
      for (const form of forms) if (!answersEquivalent(answer, form)) wrong.push(`${answer} should equal ${form}`);
      if (answersEquivalent(answer, String(value + 1))) wrong.push(`${answer} should differ from ${value + 1}`);
      if (value !== 0 && answersEquivalent(answer, String(value * 10))) wrong.push(`${answer} should differ from ${value * 10}`);
      if (normalizeAnswer(`$${withCommas(value)}`) !== normalizeAnswer(answer)) wrong.push(`${answer} should normalise like $${withCommas(value)}`);
      checked++;
    }
    expect(wrong).toEqual([]);
    expect(checked).toBe(rows);
  });
});
