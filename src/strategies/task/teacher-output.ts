/**
 * What the teacher is asked to return (question, worked answer, final answer) and a tolerant
 * reader for what it actually returns: a JSON object (bare, inside code fences, or amid prose),
 * or labelled sections ("Question:", "Answer:"/"Solution:", "Final answer:").
 */

/** A new example as the teacher wrote it, before validation. */
export interface TeacherExample {
  question: string;
  answer: string;
  /** Empty when the teacher gave none (the worked answer may still carry one). */
  finalAnswer: string;
}

export type ParseResult = { ok: true; example: TeacherExample; via: "json" | "sections" } | { ok: false; reason: string };

const QUESTION_KEYS = ["question", "problem", "new_question", "instruction"];
const ANSWER_KEYS = ["answer", "solution", "worked_answer", "worked_solution", "reasoning", "output"];
const FINAL_KEYS = ["final_answer", "finalanswer", "final", "result"];

/** Reads the teacher's reply; never throws. */
export function parseTeacherOutput(text: string): ParseResult {
  if (typeof text !== "string" || text.trim() === "") return { ok: false, reason: "empty response" };
  let jsonProblem: string | undefined;
  for (const candidate of jsonCandidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    const example = fromObject(value);
    if (typeof example === "string") {
      jsonProblem = example;
      continue;
    }
    return { ok: true, example, via: "json" };
  }
  const sections = fromSections(text);
  if (sections) return { ok: true, example: sections, via: "sections" };
  return { ok: false, reason: jsonProblem ?? "no JSON object and no labelled Question/Answer sections" };
}

/** Fenced blocks first, then the widest `{…}` span: models wrap JSON in prose more often than not. */
function jsonCandidates(text: string): string[] {
  const candidates: string[] = [];
  for (const match of text.matchAll(/```[a-zA-Z]*\s*\n?([\s\S]*?)```/g)) candidates.push(match[1].trim());
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first !== -1 && last > first) candidates.push(text.slice(first, last + 1));
  candidates.push(text.trim());
  return candidates;
}

/** The example in a parsed JSON value, or why there is none. */
function fromObject(value: unknown): TeacherExample | string {
  if (Array.isArray(value) && value.length > 0) value = value[0];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "the JSON is not an object";
  const record = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key.toLowerCase().replace(/[\s-]/g, "_"), inner]));
  const pick = (keys: string[]) => {
    for (const key of keys) {
      const inner = record[key];
      if (typeof inner === "string" && inner.trim() !== "") return inner.trim();
      if (typeof inner === "number" && Number.isFinite(inner)) return String(inner);
    }
    return "";
  };
  const question = pick(QUESTION_KEYS);
  const answer = pick(ANSWER_KEYS);
  if (question === "") return `the JSON object has no "question" text (keys: ${Object.keys(record).join(", ") || "none"})`;
  if (answer === "") return `the JSON object has no "answer" text (keys: ${Object.keys(record).join(", ")})`;
  return { question, answer, finalAnswer: pick(FINAL_KEYS) };
}

const LABELS: Array<[keyof TeacherExample, RegExp]> = [
  ["finalAnswer", /^final[ _-]*answer$/],
  ["question", /^(?:new[ _-]*)?(?:question|problem)$/],
  ["answer", /^(?:answer|solution|worked[ _-]*(?:answer|solution))$/],
];

/**
 * "Question: …", "**Solution:** …", "### Final answer" + next lines. A label must start its
 * line; the text runs to the next label. Returns null without both a question and an answer.
 */
function fromSections(text: string): TeacherExample | null {
  const found: Partial<Record<keyof TeacherExample, string[]>> = {};
  let current: keyof TeacherExample | undefined;
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*([A-Za-z][A-Za-z _-]{2,24}?)\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(.*)$/.exec(line) ??
      /^\s*#{1,6}\s*(?:\*\*)?\s*([A-Za-z][A-Za-z _-]{2,24}?)\s*(?:\*\*)?\s*()$/.exec(line);
    const label = match ? LABELS.find(([, pattern]) => pattern.test(match[1].trim().toLowerCase()))?.[0] : undefined;
    if (label && match && found[label] === undefined) {
      current = label;
      found[label] = [match[2]];
      continue;
    }
    if (current) found[current]!.push(line);
  }
  const join = (lines: string[] | undefined) => (lines ?? []).join("\n").trim();
  const question = join(found.question);
  const answer = join(found.answer);
  if (question === "" || answer === "") return null;
  return { question, answer, finalAnswer: join(found.finalAnswer).split("\n")[0].trim() };
}
