import { answersEquivalent, extractAnswer } from "../../data/answers/index.js";
import type { TeacherExample } from "./teacher-output.js";

/** How the dataset's worked answers state their result, so generated ones read the same way. */
export type AnswerStyle = "gsm8k" | "boxed" | "plain";

/** A teacher example that passed the checks: the answer ends with its final answer in the dataset's style. */
export interface ValidExample {
  question: string;
  answer: string;
  finalAnswer: string;
}

export type Validation = { ok: true; example: ValidExample } | { ok: false; reason: "invalid" | "answer-mismatch"; detail: string };

const MIN_QUESTION_CHARS = 12;

// U+FFFD is what invalid UTF-8 decodes to; C0/C1 controls (other than tab and line breaks) and
// lone surrogates never occur in text a person wrote. A model emitting random bytes (seen with a
// JSON-schema constrained teacher on llama.cpp) produces all three.
const NOT_TEXT = /[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// A final answer states a quantity or an expression: a digit, a LaTeX command or a math symbol.
const MATH = /[0-9\u00B2\u00B3\u00B9\u00BC-\u00BE\u2150-\u215E\u0660-\u0669\u06F0-\u06F9\u0966-\u096F\u00D7\u00F7\u221A\u221E\u03C0+*/^=<>≤≥±∓√∞π]|\\[A-Za-z]+/;

/** Why a field is not text a person could have written, or undefined when it is. */
export function notTextReason(field: string, value: string): string | undefined {
  const match = NOT_TEXT.exec(value);
  if (!match) return undefined;
  const code = match[0].codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  const name =
    code === 0xfffd ? "a replacement character (U+FFFD: bytes that were not UTF-8)" : code >= 0xd800 && code <= 0xdfff ? `a lone surrogate (${hex})` : `a control character (${hex})`;
  return `${field} holds ${name} at offset ${match.index}`;
}

/**
 * Accepts an example with a question, a worked answer and a final answer that extracts: from the
 * `final_answer` field, else from the worked answer (foundation's extractor). When both exist
 * they must agree, which catches a teacher whose solution drifted from the result it reports.
 * Text that is not text (replacement characters, control bytes) and a final answer with no digit
 * or math in it never pass: gapfill targets reasoning data whose answers are quantities.
 */
export function validateExample(example: TeacherExample, style: AnswerStyle): Validation {
  const question = example.question.trim();
  const answer = example.answer.trim();
  if (question.length < MIN_QUESTION_CHARS) return { ok: false, reason: "invalid", detail: `question is ${question.length} characters (fewer than ${MIN_QUESTION_CHARS})` };
  if (answer === "") return { ok: false, reason: "invalid", detail: "worked answer is empty" };
  for (const [field, value] of [["question", question], ["worked answer", answer], ["final_answer", example.finalAnswer]] as const) {
    const problem = notTextReason(field, value);
    if (problem) return { ok: false, reason: "invalid", detail: problem };
  }
  const fromField = example.finalAnswer.trim() === "" ? null : (extractAnswer(`Final answer: ${example.finalAnswer.trim()}`)?.answer ?? example.finalAnswer.trim());
  const fromWorked = extractAnswer(answer)?.answer ?? null;
  const finalAnswer = fromField ?? fromWorked;
  if (finalAnswer === null || finalAnswer.trim() === "") return { ok: false, reason: "invalid", detail: "no final answer: the final_answer field is empty and none extracts from the worked answer" };
  if (!MATH.test(finalAnswer)) return { ok: false, reason: "invalid", detail: `final answer "${finalAnswer.slice(0, 40)}" has no digit or math in it` };
  if (fromField !== null && fromWorked !== null && !answersEquivalent(fromField, fromWorked)) {
    return { ok: false, reason: "answer-mismatch", detail: `final_answer "${fromField}" disagrees with the worked answer's "${fromWorked}"` };
  }
  return { ok: true, example: { question, answer: fromWorked === null ? withFinalLine(answer, finalAnswer, style) : answer, finalAnswer } };
}

/** The style most of the sample's answers use (the first that extracts decides ties). */
export function detectAnswerStyle(answers: readonly string[]): AnswerStyle {
  const counts: Record<AnswerStyle, number> = { gsm8k: 0, boxed: 0, plain: 0 };
  for (const answer of answers.slice(0, 200)) {
    const method = extractAnswer(answer)?.method;
    counts[method === "gsm8k" ? "gsm8k" : method === "boxed" ? "boxed" : "plain"]++;
  }
  return counts.gsm8k >= counts.boxed && counts.gsm8k >= counts.plain ? "gsm8k" : counts.boxed >= counts.plain ? "boxed" : "plain";
}

/** Appends the final answer in the dataset's style, so a trainer sees the same answer format as the seeds. */
export function withFinalLine(answer: string, finalAnswer: string, style: AnswerStyle): string {
  switch (style) {
    case "gsm8k":
      return `${answer}\n#### ${finalAnswer}`;
    case "boxed":
      return `${answer}\nThe final answer is $\\boxed{${finalAnswer}}$.`;
    default:
      return `${answer}\nFinal answer: ${finalAnswer}`;
  }
}
