import { InputError } from "../core/errors.js";
import type { FieldMapping, SchemaName } from "../core/example.js";
import { contentId, ownId } from "./example-id.js";
import { isRecord, lookupPath, topLevelKey } from "./field-path.js";

/** A schema the reader recognizes by its field names. */
export interface KnownSchema {
  name: Exclude<SchemaName, "custom">;
  questionField: string;
  answerField: string;
  /** Alpaca's optional context, appended to the instruction when non-empty. */
  inputField?: string;
}

/**
 * Recognized schemas, in detection order: a row that matches several (a GSM8K row that
 * also carries `messages`) is read as the first match, the flat fields winning over chat.
 */
export const KNOWN_SCHEMAS: readonly KnownSchema[] = [
  { name: "gsm8k", questionField: "question", answerField: "answer" },
  { name: "math", questionField: "problem", answerField: "solution" },
  { name: "metamathqa", questionField: "query", answerField: "response" },
  { name: "alpaca", questionField: "instruction", answerField: "output", inputField: "input" },
  { name: "chat", questionField: "messages", answerField: "messages" },
];

/** The `questionField` / `answerField` options (dotted paths). */
export interface FieldOverrides {
  questionField?: string;
  answerField?: string;
}

/**
 * Chooses how rows map to question and answer, from the first readable row.
 * Overrides win; a missing side falls back to the detected schema, then to any known
 * question/answer field name present. The schema is `custom` unless the final pair is
 * exactly a known schema's pair. Throws `InputError("no-fields")` naming the fields
 * that exist and the options to set when no mapping can be found.
 */
export function detectMapping(row: Record<string, unknown>, overrides: FieldOverrides, file: string): FieldMapping {
  const fields = Object.keys(row);
  const detected = KNOWN_SCHEMAS.find((schema) => schema.questionField in row && schema.answerField in row);
  const fieldList = fields.length ? fields.join(", ") : "(none)";

  for (const [option, path] of [
    ["questionField", overrides.questionField],
    ["answerField", overrides.answerField],
  ] as const) {
    if (path !== undefined && !lookupPath(row, path).found) {
      throw new InputError("no-fields", `${file}: ${option} "${path}" is not in the first row; its fields are: ${fieldList}`, {
        file,
        field: path,
        relatedOptions: [option],
      });
    }
  }

  const questionField =
    overrides.questionField ?? detected?.questionField ?? KNOWN_SCHEMAS.find((s) => s.name !== "chat" && s.questionField in row)?.questionField;
  const answerField =
    overrides.answerField ?? detected?.answerField ?? KNOWN_SCHEMAS.find((s) => s.name !== "chat" && s.answerField in row)?.answerField;
  if (questionField === undefined || answerField === undefined) {
    const missing = [questionField === undefined ? "question" : undefined, answerField === undefined ? "answer" : undefined]
      .filter(Boolean)
      .join(" and ");
    throw new InputError(
      "no-fields",
      `${file}: cannot find the ${missing} field; the first row has fields: ${fieldList}; ` +
        `name them with questionField and answerField (dotted paths allowed, e.g. meta.q)`,
      { file, relatedOptions: ["questionField", "answerField"] },
    );
  }

  const known = KNOWN_SCHEMAS.find((s) => s.questionField === questionField && s.answerField === answerField);
  if (!known) return { schema: "custom", questionField, answerField };
  return known.inputField
    ? { schema: known.name, questionField, answerField, inputField: known.inputField }
    : { schema: known.name, questionField, answerField };
}

/** One row mapped to an example's fields, or the reason it cannot be. */
export type MappedRow =
  | { ok: true; id: string; question: string; answer: string; extra?: Record<string, unknown> }
  | RowProblem;

/** Why a row cannot be read; `field` is the field at fault, `option` the option that would choose another. */
export interface RowProblem {
  ok: false;
  code: string;
  reason: string;
  field?: string;
  option?: string;
}

/**
 * Maps one parsed row with a mapping from `detectMapping`. Never throws: problems come
 * back as `{ok: false, code, reason}` so the caller can stop or skip (`skipInvalid`).
 */
export function mapRow(row: unknown, mapping: FieldMapping): MappedRow {
  if (!isRecord(row)) return { ok: false, code: "not-an-object", reason: `expected an object, got ${describe(row)}` };
  if (mapping.schema === "chat") return mapChatRow(row, mapping);

  const question = readText(row, mapping.questionField, "questionField");
  if (typeof question !== "string") return question;
  const answer = readText(row, mapping.answerField, "answerField");
  if (typeof answer !== "string") return answer;

  let questionText = question;
  if (mapping.inputField) {
    const input = lookupPath(row, mapping.inputField);
    if (input.found && input.value !== null && input.value !== undefined) {
      const inputText = toText(input.value);
      if (inputText === undefined) {
        return { ok: false, code: "field-not-string", reason: `field "${mapping.inputField}" is ${describe(input.value)}, expected text` };
      }
      if (inputText.trim() !== "") questionText = `${questionText}\n\n${inputText}`;
    }
  }
  return finish(row, questionText, answer, topLevelKey(row, mapping.questionField), topLevelKey(row, mapping.answerField), mapping.inputField);
}

/** Chat rows: the first user turn is the question, the assistant turn right after it the answer. */
function mapChatRow(row: Record<string, unknown>, mapping: FieldMapping): MappedRow {
  const messages = lookupPath(row, mapping.questionField);
  if (!messages.found) return missingField(row, mapping.questionField, "questionField");
  if (!Array.isArray(messages.value)) {
    return { ok: false, code: "field-not-string", reason: `field "${mapping.questionField}" is ${describe(messages.value)}, expected a list of messages` };
  }
  const turns = messages.value;
  let system: string | undefined;
  for (let index = 0; index < turns.length; index++) {
    const turn = turns[index];
    if (!isRecord(turn)) return { ok: false, code: "bad-message", reason: `message ${index} is ${describe(turn)}, expected {role, content}` };
    const content = messageText(turn.content);
    if (content === undefined) {
      return { ok: false, code: "bad-message", reason: `message ${index} has content that is ${describe(turn.content)}, expected text` };
    }
    if (turn.role === "system" && system === undefined) system = content;
    if (turn.role !== "user") continue;
    const reply = turns[index + 1];
    if (!isRecord(reply) || reply.role !== "assistant") {
      return { ok: false, code: "bad-message", reason: `message ${index} (user) is not followed by an assistant message` };
    }
    const answer = messageText(reply.content);
    if (answer === undefined) {
      return { ok: false, code: "bad-message", reason: `message ${index + 1} has content that is ${describe(reply.content)}, expected text` };
    }
    if (content.trim() === "") return { ok: false, code: "empty-field", reason: `message ${index} (user) is empty` };
    if (answer.trim() === "") return { ok: false, code: "empty-field", reason: `message ${index + 1} (assistant) is empty` };
    const mapped = finish(row, content, answer, topLevelKey(row, mapping.questionField));
    if (mapped.ok && system !== undefined) mapped.extra = { ...mapped.extra, system };
    return mapped;
  }
  return { ok: false, code: "bad-message", reason: `no user message in "${mapping.questionField}"` };
}

/**
 * Builds the mapped row: id from the row's own `id` or the content, every field not used
 * (`used…`: the top-level keys the mapping read) kept as extra. Runs once per row, so it
 * allocates only what it returns.
 */
function finish(row: Record<string, unknown>, question: string, answer: string, used: string, used2?: string, used3?: string): MappedRow {
  const id = ownId(row.id);
  let extra: Record<string, unknown> | undefined;
  for (const key in row) {
    if (key === used || key === used2 || key === used3 || (id !== undefined && key === "id") || !Object.prototype.hasOwnProperty.call(row, key)) continue;
    extra ??= {};
    extra[key] = row[key];
  }
  const mapped: MappedRow = { ok: true, id: id ?? contentId(question, answer), question, answer };
  if (extra) mapped.extra = extra;
  return mapped;
}

/** The field's text, or why it has none. */
function readText(row: Record<string, unknown>, path: string, option: string): string | RowProblem {
  let value: unknown;
  // Most paths are plain top-level keys: read them without building a lookup result.
  if (Object.prototype.hasOwnProperty.call(row, path)) value = row[path];
  else {
    const found = lookupPath(row, path);
    if (!found.found) return missingField(row, path, option);
    value = found.value;
  }
  if (value === null || value === undefined) return { ok: false, code: "field-not-string", reason: `field "${path}" is null`, field: path };
  const text = toText(value);
  if (text === undefined) return { ok: false, code: "field-not-string", reason: `field "${path}" is ${describe(value)}, expected text`, field: path };
  if (text.trim() === "") return { ok: false, code: "empty-field", reason: `field "${path}" is empty`, field: path };
  return text;
}

function missingField(row: Record<string, unknown>, path: string, option: string): RowProblem {
  const fields = Object.keys(row);
  return {
    ok: false,
    code: "missing-field",
    reason: `missing field "${path}"; this row has: ${fields.length ? fields.join(", ") : "(no fields)"}; choose another with ${option}`,
    field: path,
    option,
  };
}

/** Strings pass; numbers, bigints and booleans print; anything structured is not text. */
function toText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return undefined;
}

/** Message content: a string, or OpenAI-style parts whose text parts are joined. */
function messageText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  let text = "";
  for (const part of content) {
    if (typeof part === "string") text += part;
    else if (isRecord(part) && typeof part.text === "string") text += part.text;
    else return undefined;
  }
  return text;
}

/** Short description of a value's kind for messages: "null", "an array", "an object", "a number". */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return typeof value === "number" || typeof value === "bigint" ? "a number" : `a ${typeof value}`;
}
