import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { gsm8kSlice, writeCsv, writeJsonl, writeParquet } from "../fixtures/data-files.js";
import { runCli } from "../helpers/run-cli.js";
import { sharedDataPath } from "../support/shared-data.js";

const GSM8K_TRAIN = sharedDataPath("gsm8k-train");
const WORD_PROBLEMS = new URL("../../examples/word-problems.jsonl", import.meta.url).pathname;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-cli-inspect-"));
});

describe("gapfill inspect", () => {
  it("reports the GSM8K training set: 7473 rows, schema gsm8k, every answer extracted", async () => {
    const result = await runCli(["inspect", GSM8K_TRAIN, "--json", "--quiet"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.rows).toBe(7473);
    expect(report.schema).toBe("gsm8k");
    expect(report.answers).toMatchObject({ total: 7473, extracted: 7473, byMethod: { gsm8k: 7473 } });
    expect(report.lengths.question.mean).toBeGreaterThan(20);
    expect(report.duplicates.duplicateIds).toBe(0);
  });

  it("prints a human table by default", async () => {
    // The 400 word problems: the same table as for GSM8K train, at a twentieth of the reading.
    const result = await runCli(["inspect", WORD_PROBLEMS, "--quiet"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^rows\s+400$/m);
    expect(result.stdout).toMatch(/^answers\s+400\/400 extracted/m);
    expect(result.stdout).toMatch(/^schema\s+gsm8k/m);
  });

  it("lists problem rows: duplicates and answers that do not extract", async () => {
    const file = join(dir, "problems.jsonl");
    const rows = [
      { question: "How many legs do 3 cats have?", answer: "3 x 4 = 12\n#### 12" },
      { question: "How many legs do 3 cats have?", answer: "12 legs\n#### 12" },
      { question: "What is two plus two?", answer: "It is four, I think" },
    ];
    await writeFile(file, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
    const result = await runCli(["inspect", file, "--json", "--quiet"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.answers.extracted).toBe(2);
    expect(report.duplicates.exactRows).toBe(1);
    expect(report.problems.byKind).toEqual({ "exact-duplicate": 1, "no-answer": 1 });
    expect(report.problems.first.map((p: { line: number }) => p.line).sort()).toEqual([2, 3]);
  });

  it("--skip-invalid reports skipped rows with their locations", async () => {
    const file = join(dir, "broken.jsonl");
    await writeFile(file, `{"question":"a?","answer":"#### 1"}\n{"question": oops}\n{"question":"b?","answer":"#### 2"}\n`);
    const strict = await runCli(["inspect", file, "--quiet"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`${file}:2:`);
    const lenient = await runCli(["inspect", file, "--quiet", "--skip-invalid"]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/^rows\s+2$/m);
    expect(lenient.stdout).toMatch(/skipped\s+1 rows/);
    expect(lenient.stdout).toContain(`${file}:2`);
  });

  it("fails with exit 1 and one clear line on a directory, an empty file, a missing file", async () => {
    const empty = join(dir, "empty.jsonl");
    await writeFile(empty, "");
    const folder = join(dir, "folder.jsonl");
    await mkdir(folder);
    for (const [path, pattern] of [
      [empty, /empty/i],
      [folder, /directory/i],
      [join(dir, "missing.jsonl"), /(no such file|not found|does not exist)/i],
    ] as const) {
      const result = await runCli(["inspect", path, "--quiet"]);
      expect(result.code, path).toBe(1);
      expect(result.stderr, path).toMatch(pattern);
      expect(result.stderr, path).toContain(path);
      expect(result.stderr.trim().split("\n"), path).toHaveLength(1);
    }
  });

  it("exits 2 on usage errors", async () => {
    expect((await runCli(["inspect"])).code).toBe(2);
    expect((await runCli(["inspect", GSM8K_TRAIN, "--format", "xml"])).code).toBe(2);
    expect((await runCli(["inspect", GSM8K_TRAIN, "--no-such-flag"])).code).toBe(2);
    expect((await runCli(["no-such-command"])).code).toBe(2);
  });
});

describe("gapfill inspect on the same rows in every format", () => {
  it("reports the same rows, schema and answers for JSONL, JSON, CSV and Parquet copies of a GSM8K slice", async () => {
    const rows = gsm8kSlice(40);
    const files = {
      jsonl: join(dir, "slice.jsonl"),
      json: join(dir, "slice.json"),
      csv: join(dir, "slice.csv"),
      parquet: join(dir, "slice.parquet"),
    };
    writeJsonl(files.jsonl, rows);
    await writeFile(files.json, JSON.stringify({ data: rows }));
    writeCsv(files.csv, ["question", "answer"], rows);
    writeParquet(files.parquet, ["question", "answer"].map((name) => ({ name, type: "STRING" as const, values: rows.map((row) => row[name]) })));
    const reports = [];
    for (const file of Object.values(files)) {
      const result = await runCli(["inspect", file, "--json", "--quiet"]);
      expect(result.code, file).toBe(0);
      const { rows: count, schema, answers, lengths, duplicates } = JSON.parse(result.stdout);
      reports.push({ count, schema, answers, lengths, duplicates });
    }
    expect(reports[0]).toMatchObject({ count: 40, schema: "gsm8k", answers: { extracted: 40 } });
    for (const report of reports.slice(1)) expect(report).toEqual(reports[0]);
  });
});

describe("gapfill --help", () => {
  it("lists only implemented commands and exits 0", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("inspect");
    const listed = [...result.stdout.matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1]);
    expect(listed).toContain("inspect");
  });
});
