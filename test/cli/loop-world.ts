import { existsSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { textCompletion } from "../support/default-responders.js";
import type { ReceivedRequest } from "../support/openai-test-server.js";
import { sharedDataPath } from "../support/shared-data.js";

/**
 * The test world of the loop: GSM8K slices as seed, validation and benchmark sets; a teacher
 * whose new questions carry their source question's text; and a test-server student that
 * knows exactly the questions whose (normalized) text appeared in the data it was trained on.
 */

const GSM8K_TRAIN = sharedDataPath("gsm8k-train");

/** Rows [from, from + count) of GSM8K train, written to `dir/name`. */
export async function gsm8kSlice(dir: string, name: string, from: number, count: number): Promise<string> {
  const lines = (await readFile(GSM8K_TRAIN, "utf8")).split("\n").slice(from, from + count);
  const path = join(dir, name);
  await writeFile(path, lines.join("\n") + "\n");
  return path;
}

export function readJsonl(text: string): any[] {
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));
}

export const normalize = (text: string) => text.toLowerCase().replace(/\s+/g, " ").trim();

const WORDS = "apple river basket candle garden ladder marble pencil rocket saddle tunnel violin wagon yellow zebra anchor bridge cactus dragon engine falcon glacier harbor island jungle kettle lemon meadow needle orchard parrot quartz ribbon spider temple umbrella valley walnut canyon".split(" ");

/**
 * The teacher: answers every loop prompt with a valid JSON example whose question embeds the
 * question it was built from (the seed, the first seed of a pair, or the student's error),
 * behind words drawn from the sampling seed so repeats are not duplicates. S3 replies carry a rationale.
 */
export function loopTeacher() {
  return (request: ReceivedRequest): string => {
    const body = request.body as { messages: Array<{ content: string }>; seed?: number };
    const prompt = body.messages.at(-1)!.content;
    const source =
      /The model got this problem wrong:\n([^\n]+)/.exec(prompt)?.[1] ??
      /training set:\n([^\n]+)/.exec(prompt)?.[1] ??
      /Problem A:\n([^\n]+)/.exec(prompt)?.[1] ??
      /Example 1:\nQuestion: ([^\n]+)/.exec(prompt)?.[1];
    if (source === undefined) throw new Error(`unexpected teacher prompt: ${prompt.slice(0, 200)}`);
    let state = body.seed ?? 1;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) % WORDS.length);
    const words = Array.from({ length: 40 }, () => WORDS[next()]).join(" ");
    const total = (body.seed ?? 0) % 89;
    const example: Record<string, string> = {
      question: `${words[0].toUpperCase()}${words.slice(1)}. Practice: ${source}`,
      answer: `We work it out step by step.\n#### ${total}`,
      final_answer: String(total),
    };
    if (prompt.includes('"rationale"')) return JSON.stringify({ rationale: `The student must practise: ${source.slice(0, 40)}`, ...example });
    return JSON.stringify(example);
  };
}

/** What each model was trained on: `REGISTRY/<model>.jsonl` (chat JSONL), read on every request. */
function trainedQuestions(registry: string, model: string): string[] {
  const file = join(registry, `${model}.jsonl`);
  if (!existsSync(file)) return [];
  return readJsonl(readFileSync(file, "utf8")).map((line) => normalize(line.messages.find((m: any) => m.role === "user").content));
}

/**
 * The student: on a completions prompt ending in "Question: Q\nAnswer:", answers Q right
 * (the reference's #### answer) exactly when Q's text appeared in its training data, else
 * "#### -1". Its token log-probs are high on known questions and, on unknown ones, a
 * deterministic function of Q, so loss-based scores rank seeds reproducibly.
 */
export function trainedStudent(registry: string, references: Map<string, string>) {
  return (request: ReceivedRequest) => {
    const body = request.body as { model: string; prompt: string; echo?: boolean; logprobs?: number };
    const question = /Question: ([\s\S]*?)\nAnswer:/.exec(body.prompt)?.[1];
    if (question === undefined) throw new Error(`unexpected student prompt: ${body.prompt.slice(0, 200)}`);
    const key = normalize(question);
    const known = trainedQuestions(registry, body.model).some((trained) => trained.includes(key));
    const text = known ? ` Known.\n#### ${references.get(key) ?? "?"}` : " Not sure.\n#### -1";
    const completion = textCompletion(body.echo ? "" : text, body) as any;
    const logprobs = completion.choices[0].logprobs;
    if (logprobs) {
      let hash = 0;
      for (const char of key) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
      const value = known ? -0.05 : -(0.5 + (hash % 100) / 40);
      logprobs.token_logprobs = logprobs.token_logprobs.map((old: number | null) => (old === null ? null : value));
    }
    return completion;
  };
}

/** Normalized question → final answer of every example in the files. */
export async function referenceAnswers(...files: string[]): Promise<Map<string, string>> {
  const references = new Map<string, string>();
  for (const file of files) {
    for (const row of readJsonl(await readFile(file, "utf8"))) references.set(normalize(row.question), /####\s*(.+)$/.exec(row.answer)![1].trim());
  }
  return references;
}
