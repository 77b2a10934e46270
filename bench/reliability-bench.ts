/**
 * Reliability benchmark (issue 13): what faults, hangs, kills and damaged files cost a run.
 * - kills: N random SIGKILLs during `gapfill generate`, then a run to the end: records lost or
 *   doubled, answers paid twice (at most the requests in flight at each kill);
 * - faults: one invocation of generate and of eval through 35 % injected faults (500, 429,
 *   cut and non-JSON bodies, missing fields) and through 5 % hangs, with default settings: did
 *   it complete, and its time against a clean run;
 * - repairs: synthetic.jsonl cut at random offsets, the WAL lost after a kill, the database
 *   deleted: records after the rerun, and how many requests the repairs cost.
 * Returns figures, prints nothing. The test server answers after `latencyMs`, a stand-in for a
 * model server (a real one takes seconds, which only makes the retry overhead smaller).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { OpenAITestServer, type Fault, type TestServerOptions } from "../test/support/openai-test-server.js";
import { fakeTeacher } from "../test/cli/fake-teacher.js";
import type { Example } from "../src/core/example.js";
import { createEngine } from "../src/engines/create-engine.js";
import { RequestCache } from "../src/engines/request-cache.js";
import { evaluateStudent } from "../src/pipeline/evaluate/evaluate-student.js";
import { generateExamples } from "../src/pipeline/generate/generate-examples.js";
import { openRun } from "../src/store/run.js";
import { checkoutRoot, cutAndRerun, type GenerateCommand, killAndResume, loseAndRerun } from "./kill-harness.js";

type Figures = { name: string; figures: Record<string, number> };

/** Sizes of {@link benchReliability}; the defaults are the benchmark's, tests pass small ones. */
export interface ReliabilityOptions {
  /** SIGKILLs during one generate. Default 20. */
  kills?: number;
  /** Accepted examples per generate. Default 40. */
  budget?: number;
  /** Benchmark items per eval. Default 120. */
  items?: number;
  /** Cuts of synthetic.jsonl. Default 20. */
  cuts?: number;
  /** Server latency in ms. Default 100. */
  latencyMs?: number;
  /** Which parts to run. Default all. */
  parts?: Array<"kills" | "faults" | "repairs">;
  seed?: number;
}

const FAULTS: Fault[] = ["429", "500", "truncated", "non-json", "missing-fields"];

export async function benchReliability(options: ReliabilityOptions = {}): Promise<Figures[]> {
  const parts = options.parts ?? ["kills", "faults", "repairs"];
  const dir = mkdtempSync(join(tmpdir(), "gapfill-reliability-"));
  let state = options.seed ?? 13;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const dataset = writeDataset(dir, 150);
  const results: Figures[] = [];
  try {
    if (parts.includes("kills")) results.push(await killFigures(dir, dataset, options, random));
    if (parts.includes("faults")) results.push(await faultFigures(dir, dataset, options));
    if (parts.includes("repairs")) results.push(await repairFigures(dir, dataset, options, random));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Word problems with distinct wording, so the random strategy has seeds and dedup has work. */
export function writeDataset(dir: string, rows: number): string {
  const words = "apple river basket candle garden ladder marble pencil rocket saddle tunnel violin wagon".split(" ");
  const lines = Array.from({ length: rows }, (_, i) => {
    const a = (i * 7) % 50;
    const b = (i * 13) % 40;
    const thing = `${words[i % words.length]} ${words[(i * 3 + 1) % words.length]}`;
    return JSON.stringify({ question: `Sam has ${a} ${thing}s and buys ${b} more (problem ${i}). How many ${thing}s does Sam have now?`, answer: `${a} + ${b} = ${a + b}\n#### ${a + b}` });
  });
  const path = join(dir, "train.jsonl");
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

async function withServer<T>(serverOptions: TestServerOptions, body: (server: OpenAITestServer) => Promise<T>): Promise<T> {
  const server = await OpenAITestServer.start(serverOptions);
  server.handle("chat", fakeTeacher());
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

function command(server: OpenAITestServer, dir: string, dataset: string, budget: number): GenerateCommand {
  const childScript = join(checkoutRoot(fileURLToPath(new URL(".", import.meta.url))), "test", "cli", "generate-child.fixture.ts");
  return { server, dataset, run: mkdtempSync(join(dir, "run-")), budget, childScript };
}

async function killFigures(dir: string, dataset: string, options: ReliabilityOptions, random: () => number): Promise<Figures> {
  const kills = options.kills ?? 20;
  const budget = options.budget ?? 40;
  return withServer({ latencyMs: options.latencyMs ?? 100 }, async (server) => {
    const outcome = await killAndResume(command(server, dir, dataset, budget), kills, random);
    return {
      name: `reliability: ${kills} SIGKILLs during generate (budget ${budget})`,
      figures: {
        "records in synthetic.jsonl": outcome.lines,
        "records lost": outcome.lost,
        "records duplicated": outcome.duplicated,
        "answers paid twice": outcome.paidTwice,
        // Requests in flight at a kill: the teacher's default ?concurrency= of 8 (generate keeps
        // twice that many attempts open, the rest wait in the engine's pool, unsent).
        "bound: in flight at the kills": kills * 8,
        "final exit code": Number(outcome.exitCodes.at(-1)),
      },
    };
  });
}

/** One library generate and one eval, timed, on a server with the given faults. */
async function timedStages(dir: string, dataset: string, options: ReliabilityOptions, serverOptions: TestServerOptions): Promise<{ generate: number; evaluate: number; completed: number; failedItems: number; lossSignals: number }> {
  const budget = options.budget ?? 40;
  const items = evaluationItems(options.items ?? 120);
  return withServer({ latencyMs: options.latencyMs ?? 100, ...serverOptions }, async (server) => {
    const run = await openRun(mkdtempSync(join(dir, "timed-")), { command: "bench", onNotice: () => undefined });
    let completed = 0;
    try {
      const cache = new RequestCache(run.db);
      const teacher = await createEngine(`openai:teacher@${server.baseUrl}`, { cache, env: {} });
      const student = await createEngine(`openai:student@${server.baseUrl}`, { cache, env: {} });
      try {
        let started = performance.now();
        const generated = await generateExamples(dataset, run, { strategy: "random", budget, teacher, decontaminate: false }).catch(() => undefined);
        const generate = (performance.now() - started) / 1000;
        if (generated?.accepted === budget) completed++;
        started = performance.now();
        const evaluated = await evaluateStudent(student, items, run).catch(() => undefined);
        const evaluate = (performance.now() - started) / 1000;
        if (evaluated && evaluated.items.length + evaluated.failed === items.length) completed++;
        // An eval that lost its loss signals sent fewer requests: its time is not comparable.
        return { generate, evaluate, completed, failedItems: evaluated?.failed ?? items.length, lossSignals: evaluated?.lossSignals === "scored" ? 1 : 0 };
      } finally {
        await teacher.close();
        await student.close();
      }
    } finally {
      run.close();
    }
  });
}

function evaluationItems(count: number): Example[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `item-${i}`,
    question: `What is ${i} + ${i + 3}?`,
    answer: `${i} + ${i + 3} = ${2 * i + 3}\n#### ${2 * i + 3}`,
    source: { file: "bench", line: i + 1 },
  }));
}

async function faultFigures(dir: string, dataset: string, options: ReliabilityOptions): Promise<Figures> {
  const clean = await timedStages(dir, dataset, options, {});
  const faults = await timedStages(dir, dataset, options, { faultRate: 0.35, faultKinds: FAULTS, seed: 5 });
  const hangs = await timedStages(dir, dataset, options, { faultRate: 0.05, faultKinds: ["hang"], seed: 6 });
  return {
    name: "reliability: one invocation each of generate and eval, default settings (target: completes, ≤ 2× clean)",
    figures: {
      "clean generate s": clean.generate,
      "clean eval s": clean.evaluate,
      "35% faults: stages completed of 2": faults.completed,
      "35% faults: generate time ratio": faults.generate / clean.generate,
      "35% faults: eval time ratio": faults.evaluate / clean.evaluate,
      "35% faults: eval items failed": faults.failedItems,
      "35% faults: eval loss signals scored": faults.lossSignals,
      "5% hangs: stages completed of 2": hangs.completed,
      "5% hangs: generate time ratio": hangs.generate / clean.generate,
      "5% hangs: eval time ratio": hangs.evaluate / clean.evaluate,
      "5% hangs: eval items failed": hangs.failedItems,
      "clean: eval loss signals scored": clean.lossSignals,
    },
  };
}

async function repairFigures(dir: string, dataset: string, options: ReliabilityOptions, random: () => number): Promise<Figures> {
  const budget = options.budget ?? 40;
  const cuts = options.cuts ?? 20;
  const figures: Record<string, number> = {};
  await withServer({ latencyMs: options.latencyMs ?? 100 }, async (server) => {
    const cut = command(server, dir, dataset, budget);
    await killAndResume(cut, 0, random);
    const afterCuts = await cutAndRerun(cut, cuts, random);
    figures[`after ${cuts} cuts: records`] = afterCuts.lines;
    figures[`after ${cuts} cuts: lost`] = afterCuts.lost;
    figures[`after ${cuts} cuts: duplicated`] = afterCuts.duplicated;
    figures[`after ${cuts} cuts: repair lines`] = afterCuts.repairs;
    figures[`after ${cuts} cuts: requests sent`] = afterCuts.requestsSent;
  });
  for (const lose of ["wal", "database"] as const) {
    await withServer({ latencyMs: options.latencyMs ?? 100 }, async (server) => {
      const outcome = await loseAndRerun(command(server, dir, dataset, budget), lose, Math.floor(budget * 1.2));
      figures[`${lose} lost after a kill: records`] = outcome.lines;
      figures[`${lose} lost after a kill: duplicated`] = outcome.duplicated;
      figures[`${lose} lost after a kill: lost`] = outcome.lost;
      figures[`${lose} lost after a kill: repair lines`] = outcome.repairs;
      figures[`${lose} lost after a kill: answers paid twice`] = outcome.paidTwice;
    });
  }
  return { name: `reliability: repairs of damaged run files (budget ${budget})`, figures };
}
