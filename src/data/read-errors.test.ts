import { mkdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir, writeJsonl } from "../../test/fixtures/data-files.js";
import { InputError } from "../core/errors.js";
import { readAll, type ReadOptions } from "./read-dataset.js";

const temp = tempDir();
afterAll(() => temp.cleanup());

/** Writes `content` to a temp file and returns the InputError reading it throws. */
async function failure(name: string, content: string | Buffer | null, options: ReadOptions = {}): Promise<InputError> {
  const path = temp.file(name);
  if (content !== null) writeFileSync(path, content);
  const error = await readAll(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`);
  return error;
}

const good = (n: number) => JSON.stringify({ question: `q${n}`, answer: `a${n}` });

describe("file-level problems always throw", () => {
  it("missing file", async () => {
    const error = await failure("nope.jsonl", null);
    expect([error.code, error.message]).toEqual(["file-not-found", `${temp.file("nope.jsonl")}: no such file`]);
  });

  it("a directory", async () => {
    mkdirSync(temp.file("adir.jsonl"));
    const error = await readAll(temp.file("adir.jsonl"), { skipInvalid: true }).catch((e: InputError) => e);
    expect([(error as InputError).code, (error as Error).message]).toEqual([
      "is-directory",
      `${temp.file("adir.jsonl")}: is a directory, expected a dataset file`,
    ]);
  });

  it("an empty file, and one with only blank lines", async () => {
    const empty = await failure("empty.jsonl", "", { skipInvalid: true });
    expect([empty.code, empty.message]).toEqual(["empty-file", `${temp.file("empty.jsonl")}: the file is empty`]);
    const blank = await failure("blank.jsonl", "\n  \n\n");
    expect(blank.code).toBe("empty-file");
    const emptyList = await failure("empty.json", "[]");
    expect(emptyList.message).toBe(`${temp.file("empty.json")}: no rows (the file holds only blank lines or an empty list)`);
  });

  it("a binary file (NUL bytes), with the line of the first one", async () => {
    const error = await failure("binary.jsonl", Buffer.concat([Buffer.from(good(1) + "\n"), Buffer.from([0x00, 0x01, 0x02])]), { skipInvalid: true });
    expect([error.code, error.message]).toEqual(["binary-file", `${temp.file("binary.jsonl")}:2: binary file (NUL byte at offset 32), expected UTF-8 text`]);
  });

  it("a UTF-16 file", async () => {
    const error = await failure("utf16.jsonl", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good(1), "utf16le")]));
    expect([error.code, error.message]).toEqual(["invalid-utf8", `${temp.file("utf16.jsonl")}: is UTF-16 text; convert it to UTF-8`]);
  });

  it("a gzip file", async () => {
    const error = await failure("data.jsonl", gzipSync(good(1)));
    expect([error.code, error.message]).toEqual(["compressed-file", `${temp.file("data.jsonl")}: is a compressed archive; decompress it first`]);
  });

  it("a file that is not Parquet under a .parquet name", async () => {
    const error = await failure("fake.parquet", good(1));
    expect([error.code, error.message]).toEqual(["invalid-parquet", `${temp.file("fake.parquet")}: not a Parquet file (it does not start with PAR1)`]);
  });

  it("a CSV with only a header", async () => {
    const error = await failure("header.csv", "question,answer\n");
    expect([error.code, error.message]).toEqual(["empty-file", `${temp.file("header.csv")}: has a header row but no data rows`]);
  });
});

describe("row problems: file:line: reason", () => {
  it("malformed JSON line", async () => {
    const error = await failure("bad.jsonl", `${good(1)}\n{"question": "q2", "answer": }\n${good(3)}\n`);
    expect(error.code).toBe("invalid-json");
    expect(error.line).toBe(2);
    expect(error.message).toBe(`${temp.file("bad.jsonl")}:2: invalid JSON (Unexpected token '}')`);
  });

  it("JSON that is truncated mid-row", async () => {
    const error = await failure("trunc.jsonl", `${good(1)}\n{"question": "q2", "ans`);
    expect(error.message).toMatch(new RegExp(`^${escape(temp.file("trunc.jsonl"))}:2: invalid JSON \\(.+\\)$`));
  });

  it("missing field names it, lists the fields there are, and suggests the flag", async () => {
    const error = await failure("missing.jsonl", `${good(1)}\n{"question": "q2", "solution": "s"}\n`);
    expect([error.code, error.message]).toEqual([
      "missing-field",
      `${temp.file("missing.jsonl")}:2: missing field "answer"; this row has: question, solution; choose another with answerField`,
    ]);
  });

  it("a field that is an object or null; a number is fine", async () => {
    const object = await failure("object.jsonl", `${good(1)}\n{"question": {"text": "q"}, "answer": "a"}\n`);
    expect([object.code, object.message]).toEqual(["field-not-string", `${temp.file("object.jsonl")}:2: field "question" is an object, expected text`]);
    const nullAnswer = await failure("null.jsonl", `{"question": "q", "answer": null}\n`);
    expect(nullAnswer.message).toBe(`${temp.file("null.jsonl")}:1: field "answer" is null`);
    const path = temp.file("number.jsonl");
    writeJsonl(path, [{ question: "q", answer: 72 }]);
    expect((await readAll(path)).examples[0].answer).toBe("72");
  });

  it("non-UTF-8 bytes, with their line", async () => {
    const bytes = Buffer.concat([Buffer.from(`${good(1)}\n{"question": "caf`), Buffer.from([0xe9]), Buffer.from(`", "answer": "a"}\n${good(3)}\n`)]);
    const error = await failure("latin1.jsonl", bytes);
    expect([error.code, error.message]).toEqual(["invalid-utf8", `${temp.file("latin1.jsonl")}:2: invalid UTF-8 bytes`]);
    const csv = await failure("latin1.csv", Buffer.concat([Buffer.from("question,answer\nq1,a1\ncaf"), Buffer.from([0xe9]), Buffer.from(",a2\n")]));
    expect([csv.code, csv.message]).toEqual(["invalid-utf8", `${temp.file("latin1.csv")}:3: invalid UTF-8 bytes`]);
  });

  it("bad bytes deep in a CSV (past the first read chunks) still name their line", async () => {
    const rows = Array.from({ length: 6000 }, (_, i) => `"question number ${i} with some padding text to make the line longer",answer ${i}`);
    const head = Buffer.from(["question,answer", ...rows.slice(0, 4000)].join("\n") + "\n");
    const tail = Buffer.from(rows.slice(4000).join("\n") + "\n");
    const utf8 = await failure("deep.csv", Buffer.concat([head, Buffer.from("caf"), Buffer.from([0xe9]), Buffer.from(",x\n"), tail]));
    expect([utf8.code, utf8.message]).toEqual(["invalid-utf8", `${temp.file("deep.csv")}:4002: invalid UTF-8 bytes`]);
    const nul = await failure("deep-nul.csv", Buffer.concat([head, Buffer.from("a\u0000b,x\n"), tail]));
    expect([nul.code, nul.message]).toEqual(["binary-file", `${temp.file("deep-nul.csv")}:4002: binary data (NUL byte), expected UTF-8 text`]);
  });

  it("a CSV with a ragged row, counted by its starting line past multi-line fields", async () => {
    const error = await failure("ragged.csv", 'question,answer\n"line one\nline two",a1\nq2,a2,extra\n');
    expect([error.code, error.message]).toEqual(["ragged-row", `${temp.file("ragged.csv")}:4: expected 2 columns, got 3`]);
  });

  it("a CSV with an unclosed quote stops the read", async () => {
    const error = await failure("quote.csv", 'question,answer\nq1,"a1\n', { skipInvalid: true });
    expect(error.code).toBe("invalid-csv");
    expect(error.message).toMatch(/quote\.csv:\d+: invalid CSV \(.*[Qq]uote.*\)$/);
  });

  it("a JSON document of the wrong shape, and JSON Lines in a .json file", async () => {
    const shape = await failure("shape.json", '{"rows": []}');
    expect([shape.code, shape.message]).toEqual(["invalid-json-shape", `${temp.file("shape.json")}: expected an array of rows or {"data": [...]}, got an object with keys: rows`]);
    const lines = await failure("lines.json", `${good(1)}\n${good(2)}\n`);
    expect(lines.message).toBe(
      `${temp.file("lines.json")}:2: invalid JSON (Unexpected non-whitespace character after JSON at position ${good(1).length + 1}); it looks like JSON Lines: rename it .jsonl or set format to jsonl`,
    );
  });

  it("JSON rows are located by row number", async () => {
    const error = await failure("rows.json", JSON.stringify([{ question: "q", answer: "a" }, { question: "q" }]));
    expect(error.message).toBe(`${temp.file("rows.json")}:row 2: missing field "answer"; this row has: question; choose another with answerField`);
  });
});

describe("--skip-invalid", () => {
  it("skips bad rows, counts them by reason and keeps the first five locations", async () => {
    const lines = [good(1), "{oops", good(3), '{"question": "q4"}', "[1]", "{also bad", '{"question": null, "answer": "a"}', "{bad again", good(9), ""];
    const path = temp.file("mixed.jsonl");
    writeFileSync(path, lines.join("\n"));
    const { examples, reader } = await readAll(path, { skipInvalid: true });
    expect(examples.map((e) => e.question)).toEqual(["q1", "q3", "q9"]);
    expect(examples.map((e) => e.source.line)).toEqual([1, 3, 9]);
    expect(reader.skipped.count).toBe(6);
    expect(reader.skipped.byReason).toEqual({ "invalid-json": 3, "missing-field": 1, "not-an-object": 1, "field-not-string": 1 });
    expect(reader.skipped.first.map((s) => s.line)).toEqual([2, 4, 5, 6, 7]);
    expect(reader.skipped.first[1]).toEqual({ file: path, line: 4, reason: 'missing field "answer"; this row has: question; choose another with answerField' });
  });

  it("skips bad rows before the first good one, and ragged CSV rows", async () => {
    const path = temp.file("late.jsonl");
    writeFileSync(path, `{bad\n${good(2)}\n`);
    const { examples, reader } = await readAll(path, { skipInvalid: true });
    expect([examples.length, reader.skipped.count, reader.fields]).toEqual([1, 1, ["question", "answer"]]);

    const csv = temp.file("ragged-skip.csv");
    writeFileSync(csv, "question,answer\nq1,a1\nq2\nq3,a3\n");
    const read = await readAll(csv, { skipInvalid: true });
    expect(read.examples.map((e) => e.question)).toEqual(["q1", "q3"]);
    expect(read.reader.skipped).toEqual({ count: 1, byReason: { "ragged-row": 1 }, first: [{ file: csv, line: 3, reason: "expected 2 columns, got 1" }] });
  });

  it("a file with no valid row at all still fails", async () => {
    const error = await failure("allbad.jsonl", "{bad\n{worse\n", { skipInvalid: true });
    expect(error.code).toBe("no-valid-rows");
    expect(error.message).toMatch(/allbad\.jsonl: no valid rows; all 2 were skipped \(first: .*allbad\.jsonl:1: invalid JSON/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
