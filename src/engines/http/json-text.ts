/**
 * The JSON text of request and answer objects, kept beside them: the HTTP client serialises a
 * request body and parses an answer's text, and the request cache stores both as text. Writing
 * them again cost the cache a full JSON.stringify of every answer (an echoed log-prob answer is
 * tens of kB). The objects must not be changed after their text is taken or remembered; the
 * engines build a body per call and never alter an answer.
 */
const texts = new WeakMap<object, string>();

/** `JSON.stringify(value)`, remembered for an object so it is written once. */
export function jsonText(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  return text;
}

/** Parses `text`, remembering it as the text of the object it gives. */
export function parseJsonText(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  if (typeof value === "object" && value !== null) texts.set(value, text);
  return value;
}
