#!/usr/bin/env node
// Fills the test-data cache (.cache/test-data/, gitignored) with GSM8K's train and test splits
// from their public source, OpenAI's grade-school-math repository (MIT), for checkouts that have
// no shared folder beside them. test/support/shared-data.ts looks in ../shared first and here
// second. The stories260K model is not fetched: no model weights are downloaded by this project.
// Usage: npm run fetch-test-data  (or: node scripts/fetch-test-data.mjs [--force])
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CACHE = join(ROOT, ".cache", "test-data", "gsm8k");
const SHARED = join(ROOT, "..", "shared", "data", "gsm8k");
// GSM8K_SOURCE_URL points at a mirror (or a loopback server in a check of this script).
const UPSTREAM = "https://raw.githubusercontent.com/openai/grade-school-math/master";
const SOURCE = process.env.GSM8K_SOURCE_URL ?? `${UPSTREAM}/grade_school_math/data`;
const LICENSE = process.env.GSM8K_SOURCE_URL ? `${SOURCE}/LICENSE` : `${UPSTREAM}/LICENSE`;

// Row counts of the published splits: a truncated download or a changed upstream file would
// otherwise pass for the data the tests' expectations (7473 train rows, …) were written against.
const SPLITS = [
  { file: "train.jsonl", rows: 7473 },
  { file: "test.jsonl", rows: 1319 },
];

const force = process.argv.includes("--force");

/** Throws unless every line of `text` is one GSM8K record and there are `rows` of them. */
function checkSplit(file, text, rows) {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  if (lines.length !== rows) throw new Error(`${file}: expected ${rows} rows, got ${lines.length}`);
  lines.forEach((line, index) => {
    const record = JSON.parse(line);
    if (typeof record.question !== "string" || typeof record.answer !== "string") {
      throw new Error(`${file} line ${index + 1}: not a {question, answer} record`);
    }
  });
}

async function download(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return await response.text();
}

/** Writes through a temporary name so an interrupted run never leaves a half file in place. */
function writeAtomically(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  writeFileSync(partial, text);
  renameSync(partial, path);
}

async function main() {
  if (!force && SPLITS.every(({ file }) => existsSync(join(SHARED, file)))) {
    console.log(`test data: the shared folder (${SHARED}) has GSM8K; nothing to fetch`);
    return;
  }
  for (const { file, rows } of SPLITS) {
    const target = join(CACHE, file);
    if (!force && existsSync(target)) {
      checkSplit(target, readFileSync(target, "utf8"), rows);
      console.log(`test data: ${target} is already here (${rows} rows)`);
      continue;
    }
    const text = await download(`${SOURCE}/${file}`);
    checkSplit(`${SOURCE}/${file}`, text, rows);
    writeAtomically(target, text);
    const sha256 = createHash("sha256").update(text).digest("hex");
    console.log(`test data: ${target} (${rows} rows, sha256 ${sha256})`);
  }
  if (force || !existsSync(join(CACHE, "LICENSE"))) writeAtomically(join(CACHE, "LICENSE"), await download(LICENSE));
}

main().catch((error) => {
  const cause = error.cause ? ` (${error.cause.code ?? error.cause.message ?? error.cause})` : "";
  console.error(`fetch-test-data: ${error.message}${cause}`);
  console.error("without internet, put the shared folder (data/gsm8k/{train,test}.jsonl) beside the checkout instead");
  process.exitCode = 1;
});
