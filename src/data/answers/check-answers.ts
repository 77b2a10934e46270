import { answersEquivalent, type EquivalenceOptions } from "./answers-equivalent.js";
import { extractAnswer, type ExtractionMethod, type ExtractionOptions } from "./extract-answer.js";
import { normalizeAnswer } from "./normalize-answer.js";

/** Options of {@link checkAnswers}: how each side's answer is found, and how the two are compared. */
export interface CheckOptions extends ExtractionOptions, EquivalenceOptions {}

/** One side of a check: what was given, the answer taken from it, and that answer's canonical form. */
export interface CheckedSide {
  input: string;
  /** The answer compared: extracted from a solution, or the input itself (trimmed). */
  answer: string;
  /** The rule that found it; "whole" when the input is taken as the answer itself. */
  method: ExtractionMethod | "whole";
  /** `normalizeAnswer` of the answer: what the comparison sees, for a person to read. */
  normalized: string;
}

/** The verdict on two answers and both sides as they were compared. */
export interface AnswerCheck {
  equivalent: boolean;
  gold: CheckedSide;
  pred: CheckedSide;
}

/**
 * Compare a reference with a prediction, either of which may be a bare answer (`\frac12`) or a
 * whole solution (`... so the answer is $\boxed{1/2}$.`): each side's final answer is extracted
 * when a rule finds one, else the side is the answer itself; then `answersEquivalent` decides.
 * Never throws.
 */
export function checkAnswers(gold: string, pred: string, options: CheckOptions = {}): AnswerCheck {
  const goldSide = side(gold, options);
  const predSide = side(pred, options);
  return { equivalent: answersEquivalent(goldSide.answer, predSide.answer, options), gold: goldSide, pred: predSide };
}

function side(input: string, options: CheckOptions): CheckedSide {
  const text = typeof input === "string" ? input : "";
  const extracted = extractAnswer(text, options);
  const answer = extracted?.answer ?? text.trim();
  return { input: text, answer, method: extracted?.method ?? "whole", normalized: normalizeAnswer(answer) };
}
