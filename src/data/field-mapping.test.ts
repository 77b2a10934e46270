import { afterAll, describe, expect, it } from "vitest";
import { tempDir, writeJsonl } from "../../test/fixtures/data-files.js";
import { InputError } from "../core/errors.js";
import { detectMapping, mapRow } from "./field-mapping.js";
import { lookupPath } from "./field-path.js";
import { readAll } from "./read-dataset.js";

const temp = tempDir();
afterAll(() => temp.cleanup());

async function readRows(name: string, rows: unknown[], options = {}) {
  const path = temp.file(name);
  writeJsonl(path, rows);
  return readAll(path, options);
}

describe("schema detection", () => {
  it("MATH: problem/solution", async () => {
    const { examples, reader } = await readRows("math.jsonl", [{ problem: "Find x.", solution: "$x=\\boxed{2}$", level: "Level 1" }]);
    expect(reader.mapping).toEqual({ schema: "math", questionField: "problem", answerField: "solution" });
    expect(examples[0]).toMatchObject({ question: "Find x.", answer: "$x=\\boxed{2}$", extra: { level: "Level 1" } });
  });

  it("MetaMathQA: query/response", async () => {
    const { examples, reader } = await readRows("mm.jsonl", [{ query: "Q?", response: "R.", type: "GSM_Rephrased", original_question: "O?" }]);
    expect(reader.mapping.schema).toBe("metamathqa");
    expect(examples[0]).toMatchObject({ question: "Q?", answer: "R.", extra: { type: "GSM_Rephrased", original_question: "O?" } });
  });

  it("Alpaca: instruction + input joined by a blank line, input omitted when empty", async () => {
    const { examples, reader } = await readRows("alpaca.jsonl", [
      { instruction: "Add the numbers.", input: "2 and 3", output: "5" },
      { instruction: "Say hi.", input: "", output: "hi" },
      { instruction: "Say bye.", output: "bye" },
    ]);
    expect(reader.mapping).toEqual({ schema: "alpaca", questionField: "instruction", answerField: "output", inputField: "input" });
    expect(examples.map((e) => e.question)).toEqual(["Add the numbers.\n\n2 and 3", "Say hi.", "Say bye."]);
    expect(examples.map((e) => e.answer)).toEqual(["5", "hi", "bye"]);
    expect(examples[1].extra).toBeUndefined();
  });

  it("chat: first user message, the assistant reply after it, system kept in extra", async () => {
    const { examples, reader } = await readRows("chat.jsonl", [
      {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "2+2?" },
          { role: "assistant", content: "4" },
          { role: "user", content: "and 3+3?" },
          { role: "assistant", content: "6" },
        ],
      },
      { messages: [{ role: "user", content: [{ type: "text", text: "Hello " }, { type: "text", text: "there" }] }, { role: "assistant", content: "Hi" }] },
    ]);
    expect(reader.mapping.schema).toBe("chat");
    expect(examples[0]).toMatchObject({ question: "2+2?", answer: "4", extra: { system: "Be brief." } });
    expect(examples[1]).toMatchObject({ question: "Hello there", answer: "Hi" });
    expect(examples[1].extra).toBeUndefined();
  });

  it("prefers flat question/answer fields over messages when a row has both", () => {
    expect(detectMapping({ question: "q", answer: "a", messages: [] }, {}, "f").schema).toBe("gsm8k");
  });
});

describe("overrides", () => {
  it("dotted paths make a custom mapping", async () => {
    const { examples, reader } = await readRows(
      "nested.jsonl",
      [{ meta: { q: "What is 1+1?" }, out: { text: "2" }, tag: "x" }],
      { questionField: "meta.q", answerField: "out.text" },
    );
    expect(reader.mapping).toEqual({ schema: "custom", questionField: "meta.q", answerField: "out.text" });
    expect(examples[0]).toMatchObject({ question: "What is 1+1?", answer: "2", extra: { tag: "x" } });
  });

  it("one override keeps the detected other side; the schema is custom unless the pair is known", () => {
    expect(detectMapping({ prompt: "p", answer: "a" }, { questionField: "prompt" }, "f")).toEqual({
      schema: "custom",
      questionField: "prompt",
      answerField: "answer",
    });
    expect(detectMapping({ problem: "p", solution: "s", answer: "a" }, { answerField: "answer" }, "f")).toEqual({
      schema: "custom",
      questionField: "problem",
      answerField: "answer",
    });
    expect(detectMapping({ problem: "p", solution: "s" }, { questionField: "problem", answerField: "solution" }, "f").schema).toBe("math");
  });

  it("an override that is not in the row names the option, the field and the fields there are", () => {
    expect(() => detectMapping({ q: "x", a: "y" }, { questionField: "meta.q" }, "d.jsonl")).toThrow(
      expect.objectContaining({
        message: 'd.jsonl: questionField "meta.q" is not in the first row; its fields are: q, a',
        field: "meta.q",
        relatedOptions: ["questionField"],
      }),
    );
  });

  it("array indexes work in paths, and keys containing dots win", () => {
    expect(lookupPath({ turns: [{ text: "a" }, { text: "b" }] }, "turns.1.text")).toEqual({ found: true, value: "b" });
    expect(lookupPath({ "a.b": 1, a: { b: 2 } }, "a.b")).toEqual({ found: true, value: 1 });
    expect(lookupPath({ a: { b: 2 } }, "a.c")).toEqual({ found: false });
  });
});

describe("no known fields", () => {
  it("lists the fields and suggests the options", async () => {
    const error = await readRows("unknown.jsonl", [{ prompt: "p", completion: "c" }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe("no-fields");
    expect((error as Error).message).toBe(
      `${temp.file("unknown.jsonl")}: cannot find the question and answer field; the first row has fields: prompt, completion; ` +
        "name them with questionField and answerField (dotted paths allowed, e.g. meta.q)",
    );
    expect((error as InputError).relatedOptions).toEqual(["questionField", "answerField"]);
  });
});

describe("mapRow values", () => {
  const mapping = { schema: "gsm8k" as const, questionField: "question", answerField: "answer" };
  it("stringifies numbers and rejects objects, arrays, null and blanks", () => {
    expect(mapRow({ question: "q", answer: 72 }, mapping)).toMatchObject({ ok: true, answer: "72" });
    expect(mapRow({ question: "q", answer: { v: 1 } }, mapping)).toEqual({
      ok: false,
      code: "field-not-string",
      reason: 'field "answer" is an object, expected text',
      field: "answer",
    });
    expect(mapRow({ question: ["q"], answer: "a" }, mapping)).toMatchObject({ ok: false, reason: 'field "question" is an array, expected text' });
    expect(mapRow({ question: "q", answer: null }, mapping)).toMatchObject({ ok: false, code: "field-not-string", reason: 'field "answer" is null' });
    expect(mapRow({ question: "  ", answer: "a" }, mapping)).toMatchObject({ ok: false, code: "empty-field" });
    expect(mapRow([1, 2], mapping)).toMatchObject({ ok: false, code: "not-an-object", reason: "expected an object, got an array" });
  });

  it("a chat row without an assistant reply is a problem, not a guess", () => {
    const chat = { schema: "chat" as const, questionField: "messages", answerField: "messages" };
    expect(mapRow({ messages: [{ role: "user", content: "hi" }] }, chat)).toEqual({
      ok: false,
      code: "bad-message",
      reason: "message 0 (user) is not followed by an assistant message",
    });
    expect(mapRow({ messages: [{ role: "assistant", content: "hi" }] }, chat)).toMatchObject({ ok: false, reason: 'no user message in "messages"' });
  });
});
