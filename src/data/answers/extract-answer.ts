import { findLastBoxContent } from "./find-last-box.js";
import { trimEndChars } from "./trim-end-chars.js";

/** Which rule found the final answer. */
export type ExtractionMethod = "gsm8k" | "boxed" | "final-answer-heading" | "answer-is";

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

/**
 * Extract the final answer from a worked solution (a dataset's reference or a model's output).
 *
 * Rules, first match wins:
 * 1. `gsm8k`: the last `#### <answer>` (exactly four `#`, the rest of that line; trailing period
 *    dropped). A `####` line whose text starts with an answer label ("#### Final answer: 4") is a
 *    markdown heading and goes to rule 3.
 * 2. `boxed`: the last complete `\boxed{...}` or `\fbox{...}` (nested braces), or `\boxed 5`.
 * 3. `final-answer-heading`: the last line that labels the final answer — a markdown heading
 *    (`#`–`######`), a bold label (`**Final Answer:**`) or a plain `Final answer:` / `Answer:` at the
 *    start of a line. The label is `final answer`, `final_answer`, `<final_answer>` or `answer`.
 *    The answer is the rest of that line after a `:` / `=` / `-` separator, or, when the line has
 *    nothing after the label, the next non-empty line (unless that is another heading).
 * 4. `answer-is`: the last "... answer is X" (covers "The answer is", "the final answer is"); X runs
 *    to the end of its line or sentence.
 *
 * Rules 3 and 4 strip `$...$` / `\(...\)` wrappers, bold markers and trailing punctuation.
 * Returns null when no rule finds a non-empty answer.
 */
export function extractAnswer(solution: string): ExtractedAnswer | null {
  if (typeof solution !== "string") return null;
  const lines = solution.split(/\r?\n/);

  const gsm8k = lastGsm8kAnswer(lines);
  if (gsm8k !== null) return { answer: gsm8k, method: "gsm8k" };

  const boxed = findLastBoxContent(solution);
  if (boxed !== null) return { answer: boxed, method: "boxed" };

  const heading = lastHeadingAnswer(lines);
  if (heading !== null) return { answer: heading, method: "final-answer-heading" };

  const answerIs = lastAnswerIs(solution);
  if (answerIs !== null) return { answer: answerIs, method: "answer-is" };

  return null;
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
