/** Final-answer extraction and answer equivalence (used by evaluation and validation). */
export { extractAnswer, type ExtractedAnswer, type ExtractionMethod } from "./extract-answer.js";
export { answersEquivalent, type EquivalenceOptions } from "./answers-equivalent.js";
export { normalizeAnswer } from "./normalize-answer.js";
export { parseNumericAnswer } from "./parse-numeric-answer.js";
