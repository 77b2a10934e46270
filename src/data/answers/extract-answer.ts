import { type BoxChoice, selectBoxes } from "./find-boxes.js";
import { trimEndChars } from "./trim-end-chars.js";

/** Which rule found the final answer. */
export type ExtractionMethod = "gsm8k" | "boxed" | "final-answer-heading" | "answer-is" | "last-number";

/** How {@link extractAnswer} reads a solution. The defaults suit references and model outputs alike. */
export interface ExtractionOptions {
  /** Which boxes give the answer when there are several (see `selectBoxes`). Default "last". */
  boxes?: BoxChoice;
  /**
   * When no rule finds an answer in a text that reads as prose, take its last number ("The speed
   * is 50 km/h" → `50`). Default false: a reference must state its answer, and a guess taken from
   * a model's prose is a looser grade, so a report says when this was on.
   */
  lastNumberFallback?: boolean;
}

/** A final answer pulled out of a worked solution, as written (not normalised). */
export interface ExtractedAnswer {
  answer: string;
  method: ExtractionMethod;
}

// "final answer", "final_answer", "<final_answer>", "answer" — a whole word, not "answers".
const LABEL = String.raw`<?[ \t]*(?:final[ \t_-]*answer|answer)[ \t]*>?(?![A-Za-z])`;
const LABEL_START = new RegExp(String.raw`^(?:\*\*)?[ \t]*${LABEL}`, "i");
// `### Final answer: 42`, `## Answer` (answer on the next line). Text after the label needs a
// separator, so a heading like "### Answer the question" is not mistaken for an answer.
const HEADING_LINE = new RegExp(
  String.raw`^[ \t]*#{1,6}[ \t]*(?:\*\*)?[ \t]*${LABEL}[ \t]*(?:\*\*)?[ \t]*(?:[:：=-][ \t]*(.*))?$`,
  "i",
);
// `**Final Answer:** 42`, `**Answer**: 42`, `**Final answer**` (answer on the next line).
const BOLD_LINE = new RegExp(String.raw`^[ \t]*\*\*[ \t]*${LABEL}[ \t]*(?:[:：][ \t]*\*\*|\*\*[ \t]*[:：]?)(.*)$`, "i");
// `Final answer: 42` at the start of a line (the colon is required).
const PLAIN_LINE = new RegExp(String.raw`^[ \t]*${LABEL}[ \t]*[:：](.*)$`, "i");
const GSM8K_MARK = /(?:^|[^#])####(?!#)[ \t]*(.*)$/;
const ANSWER_IS = /\banswer\s+is\s*[:：]?/gi;
// `Answer $9$`, `Final answer \[ 9 \]`: a label with no colon, directly followed by math.
const ANSWER_BEFORE_MATH = /(?:^|\n)[ \t]*(?:\*\*)?[ \t]*(?:final[ \t]+)?answer(?:\*\*)?[ \t]*(?=\$|\\\(|\\\[)/gi;
// A number as a prose answer writes it: `1,000`, `-3.5`, `.5`, `3/4`.
const PROSE_NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:\/\d+)?/g;
// `$...$` (not `$$`) or `\(...\)` on one line, short: an inline formula in prose.
const INLINE_MATH = /(?<![$\\])\$(?!\$)([^$\n]{1,200})\$|\\\(([^\n]{1,200}?)\\\)/g;
const PROSE_WORD = /(?<![\\A-Za-z])[A-Za-z]{2,}(?![A-Za-z])/g;

/**
 * Extract the final answer from a worked solution (a dataset's reference or a model's output).
 *
 * Rules, first match wins:
 * 1. `gsm8k`: the last `#### <answer>` (exactly four `#`, the rest of that line; trailing period
 *    dropped). A `####` line whose text starts with an answer label ("#### Final answer: 4") is a
 *    markdown heading and goes to rule 3.
 * 2. `boxed`: the last complete `\boxed{...}` or `\fbox{...}` (nested braces), or `\boxed 5`, with
 *    the boxes that only separators join to it (`\boxed{1}, \boxed{2}` gives `1, 2`); `boxes`
 *    chooses the first such group or every box instead (see `selectBoxes`).
 * 3. `final-answer-heading`: the last line that labels the final answer — a markdown heading
 *    (`#`–`######`), a bold label (`**Final Answer:**`) or a plain `Final answer:` / `Answer:` at the
 *    start of a line. The label is `final answer`, `final_answer`, `<final_answer>` or `answer`.
 *    The answer is the rest of that line after a `:` / `=` / `-` separator, or, when the line has
 *    nothing after the label, the next non-empty line (unless that is another heading). Failing
 *    that, a label with no colon directly followed by math: `Answer $9$`, `Answer \[ 9 \]` (inline
 *    math on one line; display math may span lines).
 * 4. `answer-is`: the last "... answer is X" (covers "The answer is", "the final answer is"); X runs
 *    to the end of its line or sentence.
 * 5. `last-number`: only with `lastNumberFallback`, the last number of a text that reads as prose.
 *
 * Rules 3 and 4 strip `$...$` / `\(...\)` wrappers, bold markers and trailing punctuation.
 * Returns null when no rule finds a non-empty answer.
 */
export function extractAnswer(solution: string, options: ExtractionOptions = {}): ExtractedAnswer | null {
  if (typeof solution !== "string") return null;
  const lines = solution.split(/\r?\n/);

  const gsm8k = lastGsm8kAnswer(lines);
  if (gsm8k !== null) return { answer: gsm8k, method: "gsm8k" };

  const boxed = selectBoxes(solution, options.boxes ?? "last");
  if (boxed !== null) return { answer: boxed, method: "boxed" };

  const heading = lastHeadingAnswer(lines) ?? lastAnswerBeforeMath(solution);
  if (heading !== null) return { answer: heading, method: "final-answer-heading" };

  const answerIs = lastAnswerIs(solution);
  if (answerIs !== null) return { answer: answerIs, method: "answer-is" };

  if (options.lastNumberFallback === true) {
    const number = lastProseNumber(solution);
    if (number !== null) return { answer: number, method: "last-number" };
  }
  return null;
}

/** The math span right after the last `Answer` label without a colon; inline math stays on its line. */
function lastAnswerBeforeMath(text: string): string | null {
  let found: string | null = null;
  for (const match of text.matchAll(ANSWER_BEFORE_MATH)) {
    const start = (match.index ?? 0) + match[0].length;
    const span = readMathSpan(text, start);
    if (span !== null && span.trim() !== "") found = span.trim();
  }
  return found;
}

function readMathSpan(text: string, start: number): string | null {
  const delimiters: Array<[string, string, boolean]> = [["$$", "$$", true], ["\\[", "\\]", true], ["\\(", "\\)", false], ["$", "$", false]];
  for (const [open, close, multiline] of delimiters) {
    if (!text.startsWith(open, start)) continue;
    const end = text.indexOf(close, start + open.length);
    if (end < 0) return null;
    const inner = text.slice(start + open.length, end);
    return !multiline && inner.includes("\n") ? null : inner;
  }
  return null;
}

/**
 * The last number of a text that reads as prose (two words or more), or null. A number written
 * inside inline math is taken with that math (`Therefore $x \geq 5$ is the solution.` gives
 * `x \geq 5`, not a bare `5`).
 */
function lastProseNumber(text: string): string | null {
  let words = 0;
  for (const _ of text.matchAll(PROSE_WORD)) if (++words >= 2) break;
  if (words < 2) return null;
  let last: RegExpMatchArray | null = null;
  for (const match of text.matchAll(PROSE_NUMBER)) if (/\d/.test(match[0])) last = match;
  if (last === null) return null;
  const at = last.index ?? 0;
  for (const span of text.matchAll(INLINE_MATH)) {
    const start = span.index ?? 0;
    if (start < at && at < start + span[0].length) return (span[1] ?? span[2]).trim();
  }
  return last[0];
}

function lastGsm8kAnswer(lines: string[]): string | null {
  for (let index = lines.length - 1; index >= 0; index--) {
    const match = GSM8K_MARK.exec(lines[index]);
    if (match === null) continue;
    const content = match[1].trim();
    if (content === "" || LABEL_START.test(content.replace(/[ \t]+/g, " "))) continue;
    const answer = trimEndChars(content, ".");
    if (answer !== "") return answer;
  }
  return null;
}

function lastHeadingAnswer(lines: string[]): string | null {
  for (let index = lines.length - 1; index >= 0; index--) {
    // Collapsed spaces keep the optional-space runs in the line patterns from backtracking.
    const line = lines[index].replace(/[ \t]+/g, " ");
    const match = HEADING_LINE.exec(line) ?? BOLD_LINE.exec(line) ?? PLAIN_LINE.exec(line);
    if (match === null) continue;
    let answer = cleanAnswerText(match[1] ?? "");
    if (answer === "") answer = answerOnNextLine(lines, index + 1);
    if (answer !== "") return answer;
  }
  return null;
}

function answerOnNextLine(lines: string[], from: number): string {
  for (let index = from; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === "") continue;
    if (line.startsWith("#")) return "";
    return cleanAnswerText(line);
  }
  return "";
}

function lastAnswerIs(text: string): string | null {
  let lastEnd = -1;
  for (const match of text.matchAll(ANSWER_IS)) lastEnd = (match.index ?? 0) + match[0].length;
  if (lastEnd < 0) return null;
  const answer = cleanAnswerText(text.slice(lastEnd));
  return answer === "" ? null : answer;
}

/**
 * Tidy the text found after a label: keep the first line and first sentence, take the part after
 * an inner "answer is", drop bold markers, math wrappers and trailing punctuation.
 */
function cleanAnswerText(raw: string): string {
  let text = raw.split(/\r?\n/, 1)[0] ?? "";
  const inner = [...text.matchAll(ANSWER_IS)].pop();
  if (inner !== undefined) text = text.slice((inner.index ?? 0) + inner[0].length);
  // A sentence ends at a period followed by a space; "3.5" and "$2.50." keep their decimals.
  const sentenceEnd = text.search(/\.\s/);
  if (sentenceEnd >= 0) text = text.slice(0, sentenceEnd);
  text = text.replace(/\*\*/g, "");
  for (let pass = 0; pass < 3; pass++) {
    const before = text;
    text = trimEndChars(text, ".,;:!?");
    text = unwrap(text, "$$", "$$") ?? unwrap(text, "$", "$") ?? unwrap(text, "\\(", "\\)") ?? unwrap(text, "\\[", "\\]") ?? text;
    if (text === before) break;
  }
  return text.trim();
}

function unwrap(text: string, open: string, close: string): string | null {
  if (text.length < open.length + close.length || !text.startsWith(open) || !text.endsWith(close)) return null;
  const inner = text.slice(open.length, text.length - close.length);
  // "$5 and $6" is not one wrapped span: a single `$` pair must not contain another unescaped `$`.
  if (open === "$" && /(?<!\\)\$/.test(inner)) return null;
  return inner;
}
