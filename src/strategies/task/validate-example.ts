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

/**
 * Accepts an example with a question, a worked answer and a final answer that extracts: from the
 * `final_answer` field, else from the worked answer (foundation's extractor). When both exist
 * they must agree, which catches a teacher whose solution drifted from the result it reports.
 */
export function validateExample(example: TeacherExample, style: AnswerStyle): Validation {
  const question = example.question.trim();
  const answer = example.answer.trim();
  if (question.length < MIN_QUESTION_CHARS) return { ok: false, reason: "invalid", detail: `question is ${question.length} characters (fewer than ${MIN_QUESTION_CHARS})` };
  if (answer === "") return { ok: false, reason: "invalid", detail: "worked answer is empty" };
  const fromField = example.finalAnswer.trim() === "" ? null : (extractAnswer(`Final answer: ${example.finalAnswer.trim()}`)?.answer ?? example.finalAnswer.trim());
  const fromWorked = extractAnswer(answer)?.answer ?? null;
  const finalAnswer = fromField ?? fromWorked;
  if (finalAnswer === null || finalAnswer.trim() === "") return { ok: false, reason: "invalid", detail: "no final answer: the final_answer field is empty and none extracts from the worked answer" };
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
