import { answersEquivalent, extractAnswer, type ExtractionOptions } from "../../data/answers/index.js";

/** The verdict on one student output against a reference solution. */
export interface Grade {
  /** The final answer taken from the output, or null when none could be found. */
  extracted: string | null;
  /** How it was found (`gsm8k`, `boxed`, …), or null. */
  extractionMethod: string | null;
  /** The final answer of the reference: its extracted answer, else the whole reference text; null when empty. */
  referenceAnswer: string | null;
  correct: boolean;
}

/**
 * Grades a student's output: the final answer is extracted from both texts and compared with
 * the equivalence checker (numbers, fractions, LaTeX forms). A reference with no recognisable
 * final answer is taken whole, so a short-answer benchmark still grades; an output with no
 * answer, or an empty reference, is never right. `extraction` says which boxes count (both
 * texts) and whether an output's prose may give its last number; a reference never does.
 */
export function gradeAnswer(output: string, reference: string, extraction: ExtractionOptions = {}): Grade {
  const extracted = extractAnswer(output, extraction);
  const referenceAnswer = extractAnswer(reference, { boxes: extraction.boxes })?.answer ?? (reference.trim() === "" ? null : reference.trim());
  const correct = extracted !== null && referenceAnswer !== null && answersEquivalent(extracted.answer, referenceAnswer);
  return { extracted: extracted?.answer ?? null, extractionMethod: extracted?.method ?? null, referenceAnswer, correct };
}
