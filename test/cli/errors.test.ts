/**
 * How the CLI reports errors, end to end through `main`: one line on stderr naming the flag,
 * file or field; exit 2 for a bad flag or option, 1 for anything else a user can fix; a stack
 * only under GAPFILL_DEBUG or for a genuine bug.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

const QUESTIONS = [
  "Tom has 3 apples and buys 2 more. How many apples does he have?",
  "A train goes 60 miles per hour for 2 hours. How far does it go?",
  "Sara reads 10 pages a day for 5 days. How many pages does she read?",
  "A box holds 12 eggs. How many eggs do 3 boxes hold?",
];

let dir: string;

/** Writes a JSONL dataset of the first `rows` questions and returns its path. */
async function dataset(rows: number): Promise<string> {
  const path = join(dir, `rows-${rows}.jsonl`);
  await writeFile(path, QUESTIONS.slice(0, rows).map((question) => JSON.stringify({ question, answer: "#### 5" }) + "\n").join(""));
  return path;
}

/** A stack trace's frames look like "    at fn (file:line:col)". */
const STACK_FRAME = /^\s+at /m;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-cli-errors-"));
});

describe("gapfill errors on the command line", () => {
  it("a 2-row dataset is too small to map: one line, no stack, exit 1", async () => {
    const result = await runCli(["map", await dataset(2), "--run", join(dir, "run-2"), "--quiet"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("gapfill: PCA to 2 dims needs at least 3 rows, got 2\n");
    expect(result.stdout).toBe("");
  });

  it("a 1-row dataset and a 3-row dataset in 3-D name what each step needs", async () => {
    const one = await runCli(["map", await dataset(1), "--run", join(dir, "run-1"), "--quiet"]);
    expect([one.code, one.stderr]).toEqual([1, "gapfill: the lexical embedder needs at least 2 rows, got 1\n"]);
    const three = await runCli(["map", await dataset(3), "--run", join(dir, "run-3"), "--dims", "3", "--quiet"]);
    expect([three.code, three.stderr]).toEqual([1, "gapfill: PCA to 3 dims needs at least 4 rows, got 3\n"]);
    const tsne = await runCli(["map", await dataset(3), "--run", join(dir, "run-3-tsne"), "--reducer", "tsne", "--quiet"]);
    expect(tsne.code).toBe(1);
    expect(tsne.stderr).toMatch(/^gapfill: t-SNE needs at least 4 rows, got 3: use PCA for a dataset this small\n$/);
  });

  it("a dataset of identical rows says so in one line, exit 1", async () => {
    const path = join(dir, "identical.jsonl");
    await writeFile(path, Array.from({ length: 8 }, () => JSON.stringify({ question: QUESTIONS[0], answer: "#### 5" }) + "\n").join(""));
    const result = await runCli(["map", path, "--run", join(dir, "run-identical"), "--quiet"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("are the rows identical?");
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it("GAPFILL_DEBUG adds the stack of a user-fixable error", async () => {
    const result = await runCli(["map", await dataset(2), "--run", join(dir, "run-2-debug"), "--quiet"], { GAPFILL_DEBUG: "1" });
    expect(result.code).toBe(1);
    expect(result.stderr.split("\n")[0]).toBe("gapfill: PCA to 2 dims needs at least 3 rows, got 2");
    expect(result.stderr).toMatch(STACK_FRAME);
  });

  it("an option error from the library is shown with its flag and exits 2", async () => {
    const result = await runCli(["map", await dataset(4), "--run", join(dir, "run-bad-student"), "--student", "nonsense", "--quiet"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^gapfill: --student has a bad engine spec "nonsense": expected llama:PATH\.gguf/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it("an input error names the file and exits 1", async () => {
    const missing = join(dir, "absent.jsonl");
    const result = await runCli(["inspect", missing]);
    expect([result.code, result.stderr]).toEqual([1, `gapfill: ${missing}: no such file\n`]);
  });

  it("a missing field is named with the flag that chooses another", async () => {
    const path = join(dir, "prompts.jsonl");
    await writeFile(path, JSON.stringify({ prompt: "p", completion: "c" }) + "\n");
    const result = await runCli(["inspect", path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `gapfill: ${path}: cannot find the question and answer field; the first row has fields: prompt, completion; ` +
        "name them with --question-field and --answer-field (dotted paths allowed, e.g. meta.q)\n",
    );
  });

  it("a CLI usage error exits 2 with its flag", async () => {
    const result = await runCli(["map", await dataset(4), "--dims", "4"]);
    expect([result.code, result.stderr]).toEqual([2, 'gapfill: --dims must be one of 2, 3, got "4"\n']);
  });
});
