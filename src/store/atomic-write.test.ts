import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appendJsonlDurable, atomicWriteFile, atomicWriteLines } from "./atomic-write.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gapfill-atomic-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("atomicWriteFile", () => {
  it("writes and replaces a file, leaving no temporary files", async () => {
    const path = join(dir, "report.html");
    await atomicWriteFile(path, "first");
    await atomicWriteFile(path, new Uint8Array([104, 105]));
    expect(readFileSync(path, "utf8")).toBe("hi");
    expect(readdirSync(dir)).toEqual(["report.html"]);
  });

  it("fails without touching the target when the directory does not exist", async () => {
    await expect(atomicWriteFile(join(dir, "missing", "x"), "data")).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("atomicWriteLines", () => {
  it("writes every line of a sync or async iterable", async () => {
    const path = join(dir, "out.jsonl");
    await atomicWriteLines(path, ["a\n", "b\n"]);
    expect(readFileSync(path, "utf8")).toBe("a\nb\n");
    async function* many() {
      for (let i = 0; i < 50_000; i++) yield `{"i":${i}}\n`; // crosses the 1 MiB buffer several times
    }
    await atomicWriteLines(path, many());
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines.length).toBe(50_000);
    expect(lines[49_999]).toBe('{"i":49999}');
  });

  it("keeps the old content and removes its temporary file when the source fails midway", async () => {
    const path = join(dir, "out.jsonl");
    writeFileSync(path, "old\n");
    async function* failing() {
      for (let i = 0; i < 30_000; i++) yield `line ${i} ${"x".repeat(40)}\n`; // > 1 MiB: some bytes reach the temp file
      throw new Error("source broke");
    }
    await expect(atomicWriteLines(path, failing())).rejects.toThrow("source broke");
    expect(readFileSync(path, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["out.jsonl"]);
  });
});

describe("appendJsonlDurable", () => {
  it("appends one JSON line per record, creating the file", () => {
    const path = join(dir, "synthetic.jsonl");
    appendJsonlDurable(path, [{ id: "a", question: "q?\nnext" }]);
    appendJsonlDurable(path, []);
    appendJsonlDurable(path, [{ id: "b" }, { id: "c" }]);
    const records = readFileSync(path, "utf8").trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(records).toEqual([{ id: "a", question: "q?\nnext" }, { id: "b" }, { id: "c" }]);
  });
});
