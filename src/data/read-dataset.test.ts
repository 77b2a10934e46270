import { writeFileSync } from "node:fs";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gsm8kSlice, tempDir, writeCsv, writeJsonl, writeParquet } from "../../test/fixtures/data-files.js";
import { sharedDataPath } from "../../test/support/shared-data.js";
import { contentId } from "./example-id.js";
import { openDataset, readAll } from "./read-dataset.js";

const temp = tempDir();
afterAll(() => temp.cleanup());

let slice: Record<string, unknown>[];
/** Ten made-up rows, for tests about reading rather than about GSM8K. */
function smallJsonl(): string {
  const path = temp.file("small.jsonl");
  writeJsonl(path, Array.from({ length: 10 }, (_, i) => ({ question: `What is ${i} + 1?`, answer: `${i} + 1 = ${i + 1}\n#### ${i + 1}` })));
  return path;
}
const core = (examples: { id: string; question: string; answer: string }[]) => examples.map(({ id, question, answer }) => ({ id, question, answer }));

describe("every format gives the same rows and ids for a GSM8K slice", () => {
  const jsonl = temp.file("slice.jsonl");
  const copies: Record<string, string> = {
    csv: temp.file("slice.csv"),
    parquet: temp.file("slice.parquet"),
    "json array": temp.file("slice.json"),
    "json {data}": temp.file("slice-data.json"),
  };
  // Written in a hook, not at collection, so a checkout without GSM8K fails only the tests that read it.
  beforeAll(() => {
    slice = gsm8kSlice(50);
    writeJsonl(jsonl, slice);
    writeCsv(copies.csv, ["question", "answer"], slice);
    writeParquet(copies.parquet, [
      { name: "question", type: "STRING", values: slice.map((row) => row.question) },
      { name: "answer", type: "STRING", values: slice.map((row) => row.answer) },
    ]);
    writeFileSync(copies["json array"], JSON.stringify(slice, null, 2));
    writeFileSync(copies["json {data}"], JSON.stringify({ data: slice, version: 1 }));
  });

  it("reads the JSONL slice with content ids", async () => {
    const { examples, reader } = await readAll(jsonl);
    expect(examples).toHaveLength(50);
    expect(reader.format).toBe("jsonl");
    expect(reader.mapping.schema).toBe("gsm8k");
    expect(examples[0].id).toBe(contentId(String(slice[0].question), String(slice[0].answer)));
    expect(examples[0].source).toEqual({ file: jsonl, line: 1 });
    expect(examples[49].answer).toBe(slice[49].answer);
  });

  for (const [name, path] of Object.entries(copies)) {
    it(`${name} matches the JSONL`, async () => {
      const expected = core((await readAll(jsonl)).examples);
      const { examples, reader } = await readAll(path);
      expect(reader.mapping.schema).toBe("gsm8k");
      expect(core(examples)).toEqual(expected);
      expect(reader.bytesRead()).toBe(reader.bytesTotal);
    });
  }

  it("the Parquet copy really has several row groups (read one at a time)", async () => {
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(copies.parquet));
    expect(metadata.row_groups.map((group) => Number(group.num_rows))).toEqual([16, 16, 16, 2]);
  });

  it("sniffs the format when the name has no known extension", async () => {
    const noExtension = temp.file("slice-jsonl.data");
    writeJsonl(noExtension, slice.slice(0, 3));
    expect((await openDataset(noExtension)).format).toBe("jsonl");
    const parquetCopy = temp.file("slice-parquet.bin");
    writeFileSync(parquetCopy, await import("node:fs").then((fs) => fs.readFileSync(copies.parquet)));
    const { examples, reader } = await readAll(parquetCopy);
    expect(reader.format).toBe("parquet");
    expect(examples).toHaveLength(50);
  });
});

describe("ids", () => {
  it("uses the row's own id, numbers and INT64 alike", async () => {
    const rows = [
      { id: 7, question: "q1", answer: "a1" },
      { id: "abc", question: "q2", answer: "a2" },
    ];
    const jsonl = temp.file("ids.jsonl");
    writeJsonl(jsonl, rows);
    const parquet = temp.file("ids.parquet");
    writeParquet(parquet, [
      { name: "id", type: "STRING", values: ["7", "abc"] },
      { name: "question", type: "STRING", values: ["q1", "q2"] },
      { name: "answer", type: "STRING", values: ["a1", "a2"] },
    ]);
    const int64 = temp.file("ids-int64.parquet");
    writeParquet(int64, [
      { name: "id", type: "INT64", values: [7n, 8n] },
      { name: "question", type: "STRING", values: ["q1", "q2"] },
      { name: "answer", type: "STRING", values: ["a1", "a2"] },
    ]);
    expect((await readAll(jsonl)).examples.map((e) => e.id)).toEqual(["7", "abc"]);
    expect((await readAll(parquet)).examples.map((e) => e.id)).toEqual(["7", "abc"]);
    expect((await readAll(int64)).examples.map((e) => e.id)).toEqual(["7", "8"]);
    // The id field is used, so it does not also appear in extra.
    expect((await readAll(jsonl)).examples[0].extra).toBeUndefined();
  });

  it("keeps unmapped fields as extra", async () => {
    const path = temp.file("extra.jsonl");
    writeJsonl(path, [{ problem: "p", solution: "s", level: "Level 3", type: "Algebra" }]);
    const { examples } = await readAll(path);
    expect(examples[0].extra).toEqual({ level: "Level 3", type: "Algebra" });
  });
});

describe("text details", () => {
  it("drops a UTF-8 BOM and CRLF endings in JSONL and CSV", async () => {
    const jsonl = temp.file("bom.jsonl");
    writeFileSync(jsonl, "\uFEFF" + '{"question": "q1", "answer": "a1"}\r\n{"question": "q2", "answer": "a2"}\r\n');
    const csv = temp.file("bom.csv");
    writeFileSync(csv, "\uFEFFquestion,answer\r\nq1,a1\r\nq2,a2\r\n");
    for (const path of [jsonl, csv]) {
      const { examples, reader } = await readAll(path);
      expect(reader.fields).toEqual(["question", "answer"]);
      expect(examples.map((e) => [e.question, e.answer, e.source.line])).toEqual([
        ["q1", "a1", path === csv ? 2 : 1],
        ["q2", "a2", path === csv ? 3 : 2],
      ]);
    }
  });

  it("reads a JSONL row longer than several read chunks", async () => {
    const path = temp.file("long-row.jsonl");
    const answer = "é".repeat(150_000) + " #### 1";
    writeJsonl(path, [{ question: "short", answer: "a" }, { question: "long", answer }, { question: "after", answer: "b" }]);
    const { examples } = await readAll(path);
    expect(examples.map((e) => e.answer.length)).toEqual([1, answer.length, 1]);
    expect(examples[1].answer).toBe(answer);
  });

  it("stops when the signal is aborted", async () => {
    const controller = new AbortController();
    const reader = await openDataset(smallJsonl(), { signal: controller.signal });
    let count = 0;
    const reading = (async () => {
      for await (const _ of reader.rows()) {
        if (++count === 3) controller.abort(new Error("stop here"));
      }
    })();
    await expect(reading).rejects.toThrow("stop here");
    expect(count).toBe(3);
  });
});

describe("the whole GSM8K train file", () => {
  it("reads 7473 rows, schema gsm8k, unique ids", async () => {
    const reader = await openDataset(sharedDataPath("gsm8k-train"));
    expect(reader.mapping).toEqual({ schema: "gsm8k", questionField: "question", answerField: "answer" });
    expect(reader.fields).toEqual(["question", "answer"]);
    const ids = new Set<string>();
    let count = 0;
    for await (const example of reader.rows()) {
      ids.add(example.id);
      count++;
    }
    expect(count).toBe(7473);
    expect(ids.size).toBe(7473);
    expect(reader.skipped.count).toBe(0);
  });

  it("can be iterated only once", async () => {
    const reader = await openDataset(smallJsonl());
    for await (const _ of reader.rows()) break;
    await expect(async () => {
      for await (const _ of reader.rows()) break;
    }).rejects.toThrow(/already iterated/);
  });
});
