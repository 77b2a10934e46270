/**
 * What the teacher is asked to return (question, worked answer, final answer) and a tolerant
 * reader for what real models actually return: a JSON object (bare, fenced, amid prose, after a
 * `<think>` block, wrapped one level deep), XML-ish tags (`<question>…</question>`), or labelled
 * sections ("Question:", "**Solution:**", "### Answer", "Q:", "### <final_answer> 92",
 * "Final answer 92"). Teachers are asked for JSON, but a prompt/parse mismatch must not silently
 * reject every reply, so every common style is read; the corpus lives in teacher-output.test.ts.
 */

/** A new example as the teacher wrote it, before validation. */
export interface TeacherExample {
  question: string;
  answer: string;
  /** Empty when the teacher gave none (the worked answer may still carry one). */
  finalAnswer: string;
}

export type ParseResult = { ok: true; example: TeacherExample; via: "json" | "tags" | "sections" } | { ok: false; reason: string };

const QUESTION_KEYS = ["question", "problem", "new_question", "new_problem", "instruction", "prompt"];
const ANSWER_KEYS = ["answer", "solution", "worked_answer", "worked_solution", "reasoning", "output", "response"];
const FINAL_KEYS = ["final_answer", "finalanswer", "final", "result", "answer_value", "numeric_answer"];
// Where a model nests the example one level down ({"example": {...}}).
const WRAPPER_KEYS = ["example", "data", "result", "output", "new_example", "synthetic_example"];

/** Reads the teacher's reply; never throws. */
export function parseTeacherOutput(text: string): ParseResult {
  if (typeof text !== "string" || text.trim() === "") return { ok: false, reason: "empty response" };
  // Reasoning models think aloud first; braces and labels in the thoughts are not the answer.
  const visible = withoutThinking(text);
  if (visible.trim() === "") return { ok: false, reason: "the reply holds only a <think> block" };
  let jsonProblem: string | undefined;
  for (const candidate of jsonCandidates(visible)) {
    const value = parseLenient(candidate);
    if (value === undefined) continue;
    const example = fromObject(value);
    if (typeof example === "string") {
      jsonProblem ??= example;
      continue;
    }
    return { ok: true, example, via: "json" };
  }
  const tagged = fromTags(visible);
  if (tagged) return { ok: true, example: tagged, via: "tags" };
  const sections = fromSections(visible);
  if (sections) return { ok: true, example: sections, via: "sections" };
  return { ok: false, reason: jsonProblem ?? "no JSON object and no labelled Question/Answer sections" };
}

function withoutThinking(text: string): string {
  const closed = text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, "");
  // An unclosed block at the start (output cut at the token limit, or a template that opens it).
  const lastClose = closed.search(/<\/(?:think|thinking|reasoning)>/i);
  return lastClose === -1 ? closed : closed.slice(closed.indexOf(">", lastClose) + 1);
}

/** Fenced blocks first, then every balanced top-level `{…}`, then the widest span and the whole text. */
function jsonCandidates(text: string): string[] {
  const candidates: string[] = [];
  for (const match of text.matchAll(/```[a-zA-Z0-9_-]*[ \t]*\r?\n?([\s\S]*?)```/g)) candidates.push(match[1].trim());
  candidates.push(...balancedObjects(text));
  const first = text.indexOf("{");
  const last = text.lastIndexOf("}");
  if (first !== -1 && last > first) candidates.push(text.slice(first, last + 1));
  candidates.push(text.trim());
  return candidates;
}

/** Top-level `{…}` spans with balanced braces outside strings, in order. */
function balancedObjects(text: string): string[] {
  const spans: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"' && depth > 0) inString = true;
    else if (char === "{") {
      if (depth === 0) start = i;
      depth++;
    } else if (char === "}" && depth > 0) {
      depth--;
      if (depth === 0) spans.push(text.slice(start, i + 1));
    }
  }
  return spans;
}

/** JSON.parse, then once more without trailing commas (a frequent slip); undefined when neither parses. */
function parseLenient(candidate: string): unknown {
  for (const attempt of [candidate, candidate.replace(/,\s*([}\]])/g, "$1")]) {
    try {
      return JSON.parse(attempt);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** The example in a parsed JSON value, or why there is none. */
function fromObject(value: unknown, depth = 0): TeacherExample | string {
  if (Array.isArray(value) && value.length > 0) value = value[0];
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "the JSON is not an object";
  const record = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key.toLowerCase().replace(/[\s-]/g, "_"), inner]));
  const pick = (keys: string[]) => {
    for (const key of keys) {
      const inner = record[key];
      if (typeof inner === "string" && inner.trim() !== "") return inner.trim();
      if (typeof inner === "number" && Number.isFinite(inner)) return String(inner);
      // Some models write the worked answer as a list of steps.
      if (Array.isArray(inner) && inner.length > 0 && inner.every((step) => typeof step === "string")) return inner.join("\n").trim();
    }
    return "";
  };
  const question = pick(QUESTION_KEYS);
  if (question === "" && depth === 0) {
    for (const key of WRAPPER_KEYS) {
      const inner = record[key];
      if (inner !== null && typeof inner === "object") {
        const nested = fromObject(inner, 1);
        if (typeof nested !== "string") return nested;
      }
    }
  }
  const answer = pick(ANSWER_KEYS);
  if (question === "") return `the JSON object has no "question" text (keys: ${Object.keys(record).join(", ") || "none"})`;
  if (answer === "") return `the JSON object has no "answer" text (keys: ${Object.keys(record).join(", ")})`;
  return { question, answer, finalAnswer: pick(FINAL_KEYS) };
}

/** `<question>…</question>`, `<answer>…</answer>`/`<solution>`, `<final_answer>…</final_answer>`. */
function fromTags(text: string): TeacherExample | null {
  const tag = (names: string[]) => {
    for (const name of names) {
      const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "i").exec(text);
      if (match && match[1].trim() !== "") return match[1].trim();
    }
    return "";
  };
  const question = tag(["question", "problem"]);
  const answer = tag(["answer", "solution"]);
  if (question === "" || answer === "") return null;
  return { question, answer, finalAnswer: tag(["final_answer", "final-answer", "finalanswer"]) };
}

const LABELS: Array<[keyof TeacherExample, RegExp]> = [
  ["finalAnswer", /^(?:the[ _-]*)?final[ _-]*(?:answer|result)$/],
  ["question", /^(?:new[ _-]*|synthetic[ _-]*)?(?:question|problem)(?:[ _-]*\d+)?$|^q$/],
  ["answer", /^(?:answer|solution|worked[ _-]*(?:answer|solution)|step[ _-]*by[ _-]*step[ _-]*solution|reasoning)(?:[ _-]*\d+)?$|^a$/],
];
const LABEL_WORDS = String.raw`(?:the[ _-]*)?final[ _-]*(?:answer|result)|(?:new[ _-]*|synthetic[ _-]*)?(?:question|problem)(?:[ _-]*\d+)?|worked[ _-]*(?:answer|solution)|step[ _-]*by[ _-]*step[ _-]*solution|answer(?:[ _-]*\d+)?|solution(?:[ _-]*\d+)?|reasoning|q|a`;

// A line that opens a section: optional heading marks, list number and bold, the label (maybe in
// <angle brackets>), then a separator. Headings and bold or angled labels may omit the separator.
const LABEL_LINE = new RegExp(
  String.raw`^\s*(#{1,6}\s*)?(?:\d+[.)]\s*)?(\*\*|__)?\s*(<)?\s*(${LABEL_WORDS})(?![A-Za-z0-9])\s*(>)?\s*(?:\*\*|__)?\s*([:：=]|-(?=\s))?\s*(?:\*\*|__)?\s*(.*)$`,
  "i",
);

/**
 * "Question: …", "**Solution:** …", "### Answer" + next lines, "### <final_answer> 92",
 * "Final answer 92". A label must start its line; its text runs to the next label. Returns null
 * without both a question and an answer.
 */
function fromSections(text: string): TeacherExample | null {
  const found: Partial<Record<keyof TeacherExample, string[]>> = {};
  let current: keyof TeacherExample | undefined;
  for (const line of text.split(/\r?\n/)) {
    const label = sectionLabel(line);
    if (label && found[label.key] === undefined) {
      current = label.key;
      found[label.key] = [label.rest];
      continue;
    }
    if (current) found[current]!.push(line);
  }
  const join = (lines: string[] | undefined) => (lines ?? []).join("\n").trim();
  const question = join(found.question);
  const answer = join(found.answer);
  if (question === "" || answer === "") return null;
  const finalAnswer = join(found.finalAnswer).split("\n")[0].trim().replace(/^(?:is\s+)/i, "");
  return { question, answer, finalAnswer };
}

function sectionLabel(line: string): { key: keyof TeacherExample; rest: string } | undefined {
  const match = LABEL_LINE.exec(line);
  if (!match) return undefined;
  const [, heading, bold, open, name, close, separator, rest] = match;
  const key = LABELS.find(([, pattern]) => pattern.test(name.trim().toLowerCase()))?.[0];
  if (!key) return undefined;
  const marked = Boolean(heading || bold || (open && close));
  // "Final answer 92" needs no separator; "Question how many…" in prose does not open a section.
  if (!separator && !marked && !(key === "finalAnswer" && /^\S/.test(rest))) return undefined;
  if (!separator && !marked && key === "finalAnswer" && !/\d/.test(rest)) return undefined;
  return { key, rest: rest.replace(/^\*\*\s*/, "") };
}
