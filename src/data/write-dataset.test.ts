import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../../test/fixtures/data-files.js";
import { readAll } from "./read-dataset.js";
import { formatRecord, toJsonlLines, type OutputRecord } from "./write-dataset.js";

const temp = tempDir();
afterAll(() => temp.cleanup());

const record: OutputRecord = {
  strategy: "embed",
  id: "syn-1",
  answer: "3 + 4 = 7\n#### 7",
  question: "Tom has 3 apples and gets 4 more. How many?",
  final_answer: "7",
  seed_ids: ["a", "b"],
};

describe("formatRecord", () => {
  it("plain puts id, question, answer, final_answer first and keeps provenance", () => {
    const plain = formatRecord(record, "plain");
    expect(Object.keys(plain)).toEqual(["id", "question", "answer", "final_answer", "strategy", "seed_ids"]);
    expect(plain).toEqual(record);
    expect(Object.keys(formatRecord({ id: "x", question: "q", answer: "a" }, "plain"))).toEqual(["id", "question", "answer"]);
  });

  it("chat is a user/assistant pair, with an optional system turn", () => {
    expect(formatRecord(record, "chat")).toEqual({
      messages: [
        { role: "user", content: record.question },
        { role: "assistant", content: record.answer },
      ],
    });
    expect(formatRecord(record, "chat", { systemPrompt: "Solve step by step." })).toEqual({
      messages: [
        { role: "system", content: "Solve step by step." },
        { role: "user", content: record.question },
        { role: "assistant", content: record.answer },
      ],
    });
  });

  it("alpaca puts the question in instruction with an empty input", () => {
    expect(formatRecord(record, "alpaca")).toEqual({ instruction: record.question, input: "", output: record.answer });
  });

  it("rejects an unknown shape", () => {
    expect(() => formatRecord(record, "sharegpt" as never)).toThrow(
      expect.objectContaining({ code: "invalid-option", option: "shape", message: 'shape must be one of plain, chat, alpaca, got "sharegpt"' }),
    );
  });
});

describe("toJsonlLines", () => {
  it("writes one JSON object per line that the reader reads back to the same Q/A in every shape", async () => {
    const records: OutputRecord[] = [record, { id: "syn-2", question: 'Quote "this"\nand a newline', answer: "ok \u2713" }];
    for (const shape of ["plain", "chat", "alpaca"] as const) {
      const lines = [...toJsonlLines(records, shape)];
      expect(lines).toHaveLength(2);
      expect(lines.every((line) => line.endsWith("}\n") && !line.slice(0, -1).includes("\n"))).toBe(true);
      const path = temp.file(`out-${shape}.jsonl`);
      writeFileSync(path, lines.join(""));
      const { examples, reader } = await readAll(path);
      expect(reader.mapping.schema).toBe({ plain: "gsm8k", chat: "chat", alpaca: "alpaca" }[shape]);
      expect(examples.map((e) => [e.question, e.answer])).toEqual(records.map((r) => [r.question, r.answer]));
      if (shape === "plain") expect(examples.map((e) => e.id)).toEqual(["syn-1", "syn-2"]);
    }
  });
});
