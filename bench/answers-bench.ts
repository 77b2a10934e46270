/**
 * Answer-checking benchmark: agreement with other projects' test cases (`../shared/answer-cases/`,
 * read at run time, never copied), per source and per polarity, and the speed of every call on
 * a fuzz corpus of inputs up to 10 KB (how many calls took over 20 ms). Returns figures, prints
 * nothing. A disagreement is a place to look, not a verdict: the peers' cases are their opinions.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRandom } from "../src/geometry/random.js";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkAnswers } from "../src/data/answers/check-answers.js";
import { answersEquivalent } from "../src/data/answers/answers-equivalent.js";
import { extractAnswer } from "../src/data/answers/extract-answer.js";

/** One equivalence case as the shared files write it (only the fields used). */
interface PeerCase {
  id: string;
  source: string;
  scope: string;
  kind?: string;
  gold?: string;
  pred?: string;
  solution?: string;
  expected: unknown;
}

type Figures = { name: string; figures: Record<string, number> };

/** Options of {@link benchAnswers}. */
export interface AnswersBenchOptions {
  /** Fuzz inputs per size class. Default 400. */
  fuzzCases?: number;
  /** Print each disagreement on stderr (for looking into them). Default false. */
  listDisagreements?: boolean;
}

const SLOW_CALL_MS = 20;

/** Runs both parts; the peer part is skipped (with a figure saying so) when the cases are absent. */
export async function benchAnswers(options: AnswersBenchOptions = {}): Promise<Figures[]> {
  const list = options.listDisagreements ?? process.env.GAPFILL_BENCH_LIST === "1";
  return [peerAgreement(list), peerExtraction(list), fuzzSpeed(options.fuzzCases ?? 400)];
}

/** The checkout's root: the nearest folder above this file that holds package.json (src or dist). */
function repositoryRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, "package.json")) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/** The cases of the shared files whose names pass `wanted`, or null when the folder is absent. */
function loadPeerCases(wanted: (file: string) => boolean): PeerCase[] | null {
  const folder = resolve(repositoryRoot(), "..", "shared", "answer-cases");
  if (!existsSync(folder)) return null;
  const cases: PeerCase[] = [];
  for (const file of readdirSync(folder).filter((name) => name.endsWith(".json") && wanted(name)).sort()) {
    cases.push(...(JSON.parse(readFileSync(join(folder, file), "utf8")) as PeerCase[]));
  }
  return cases;
}

/** Percentages and counts per key, sorted by key. */
function tallyFigures(tallies: Map<string, { agree: number; total: number }>): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const [key, { agree, total }] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    figures[`${key} agree %`] = Number(((100 * agree) / total).toFixed(1));
    figures[`${key} cases`] = total;
  }
  return figures;
}

/**
 * Extraction: the answer gapfill takes from each in-scope solution is equivalent to the one the
 * peer expects (a null expectation: no answer found).
 */
function peerExtraction(list: boolean): Figures {
  const cases = loadPeerCases((file) => file.endsWith("_extraction.json"));
  if (cases === null) return { name: "answers: peers' extraction cases (../shared/answer-cases not found)", figures: {} };
  const tallies = new Map<string, { agree: number; total: number }>();
  for (const item of cases) {
    if (item.scope !== "in-scope" || typeof item.solution !== "string") continue;
    const found = extractAnswer(item.solution)?.answer ?? null;
    const agree = item.expected === null ? found === null : typeof item.expected === "string" && found !== null && answersEquivalent(found, item.expected);
    const tally = tallies.get(item.source) ?? { agree: 0, total: 0 };
    tally.total++;
    if (agree) tally.agree++;
    tallies.set(item.source, tally);
    if (!agree && list) process.stderr.write(`${item.id} expected ${JSON.stringify(item.expected)}, found ${JSON.stringify(found)}\n`);
  }
  return { name: "answers: extraction agreement with peers' in-scope cases", figures: tallyFigures(tallies) };
}

function peerAgreement(list: boolean): Figures {
  const cases = loadPeerCases((file) => file.endsWith("_equivalence.json") || file.includes("supplementary"));
  if (cases === null) return { name: "answers: peers' cases (../shared/answer-cases not found)", figures: {} };
  const tallies = new Map<string, { agree: number; total: number }>();
  const count = (key: string, agree: boolean) => {
    const tally = tallies.get(key) ?? { agree: 0, total: 0 };
    tally.total++;
    if (agree) tally.agree++;
    tallies.set(key, tally);
  };
  for (const item of cases) {
    if (typeof item.gold !== "string" || typeof item.pred !== "string" || typeof item.expected !== "boolean") continue;
    // Qwen's recorded grading of 800 model outputs is not a test: reported apart, as agreement with that grader.
    const supplementary = item.scope.startsWith("supplementary");
    if (item.scope !== "in-scope" && !supplementary) continue;
    // Bare cases are two answers; text cases are whole solutions the answer is extracted from.
    const verdict = checkAnswers(item.gold as string, item.pred as string, { lastNumberFallback: item.kind === "text" }).equivalent;
    const agree = verdict === item.expected;
    const polarity = item.expected ? "equivalent" : "different";
    if (!agree && list) process.stderr.write(`${item.id} expected ${item.expected}: ${JSON.stringify(item.gold).slice(0, 120)} | ${JSON.stringify(item.pred).slice(-160)}\n`);
    if (supplementary) {
      count(`(Qwen2.5-Math recorded grader) ${polarity}`, agree);
      continue;
    }
    count(`all ${polarity}`, agree);
    count(`${shortSource(item.source)} ${polarity}`, agree);
  }
  return { name: "answers: agreement with peers' in-scope cases", figures: tallyFigures(tallies) };
}

function shortSource(source: string): string {
  return source.split(" ")[0];
}

// Pieces that reach every rule, plus the ones that make naive parsers backtrack or recurse.
const PIECES = [
  "\\boxed{", "}", "{", "\\frac", "\\sqrt", "\\left(", "\\right)", "\\{", "\\}", "(", ")", "[", "]", "\\text{ and }",
  "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "#### ", "Final answer: ", "The answer is ", "Answer ", "$", "\\(",
  "\\)", "^", "_", "\\pi", "\\infty", "\\cup", ",", ";", ".", "%", "1", "23", "0.5", "1,000", "-", "+", "*", "/", "=",
  "\\approx", "\\leq", "x", "y", "e", "\\sin", "\\tan", "\\sec", "\\ln", "\\pm", "apples", " ", "\n", ",\\!", "\\quad",
];

function fuzzInput(next: () => number, size: number): string {
  let text = "";
  while (text.length < size) text += PIECES[Math.floor(next() * PIECES.length)];
  return text.slice(0, size);
}

function fuzzSpeed(perSize: number): Figures {
  const next = createRandom(20261121);
  // Load and warm the code once: the bound is on a call, not on the module's first load.
  answersEquivalent("x^2+1", "1+x^2");
  let calls = 0;
  let slowOnce = 0;
  let slow = 0;
  let slowest = 0;
  const once = (call: () => unknown) => {
    const start = performance.now();
    call();
    return performance.now() - start;
  };
  // On a shared machine one timing can include other processes' time slices: a call over half
  // the bound is timed four more times, and counts as slow when even its fastest run is over.
  const time = (call: () => unknown) => {
    let elapsed = once(call);
    calls++;
    if (elapsed > SLOW_CALL_MS) slowOnce++;
    if (elapsed > SLOW_CALL_MS / 2) {
      for (let retry = 0; retry < 4; retry++) elapsed = Math.min(elapsed, once(call));
      if (elapsed > SLOW_CALL_MS) slow++;
    }
    slowest = Math.max(slowest, elapsed);
  };
  for (const size of [16, 200, 2_000, 10_000]) {
    for (let round = 0; round < perSize; round++) {
      const a = fuzzInput(next, Math.ceil(size * (0.5 + next() / 2)));
      const b = fuzzInput(next, Math.ceil(size * (0.5 + next() / 2)));
      time(() => answersEquivalent(a, b));
      time(() => extractAnswer(a));
      time(() => checkAnswers(a, b, { boxes: "all", lastNumberFallback: true }));
    }
  }
  return {
    name: "answers: speed on a fuzz corpus (inputs up to 10 KB)",
    figures: { calls, [`calls over ${SLOW_CALL_MS} ms (first timing)`]: slowOnce, [`calls over ${SLOW_CALL_MS} ms (best of 5)`]: slow, "slowest call ms (best of 5)": slowest },
  };
}
