/** Final-answer extraction and answer equivalence (used by evaluation and validation). */
export { extractAnswer, type ExtractedAnswer, type ExtractionMethod } from "./extract-answer.js";
export { answersEquivalent, type EquivalenceOptions } from "./answers-equivalent.js";
export { normalizeAnswer } from "./normalize-answer.js";
export { parseNumericAnswer } from "./parse-numeric-answer.js";
export { checkAnswers, type AnswerCheck, type CheckedSide, type CheckOptions } from "./check-answers.js";
export { type BoxChoice } from "./find-boxes.js";
export { type ExtractionOptions } from "./extract-answer.js";
