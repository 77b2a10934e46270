/**
 * The kill harness of the reliability benchmark: `gapfill generate` run as a user runs it, in a
 * child process, SIGKILLed at random moments and run again until it finishes; then the run's
 * files are damaged the ways a disk or a user damages them (synthetic.jsonl cut at random byte
 * offsets, the WAL deleted after a kill, the database deleted) and the command run again.
 * Everything is measured against the test server's own record of what it was asked and answered.
 */
import { existsSync, readFileSync, rmSync, statSync, truncateSync } from "node:fs";
import { dirname, join } from "node:path";
import type { OpenAITestServer } from "../test/support/openai-test-server.js";
import { spawnViteNode } from "../test/support/vite-node.js";

/** Where the checkout is: the nearest folder at or above `from` holding package.json (from bench/ or dist/bench/). */
export function checkoutRoot(from: string): string {
  let folder = from;
  while (!existsSync(join(folder, "package.json")) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

/** Ids in synthetic.jsonl, in file order (a torn line is skipped). */
export function fileIds(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .flatMap((line) => {
      try {
        const id = (JSON.parse(line) as { id?: unknown }).id;
        return typeof id === "string" ? [id] : [];
      } catch {
        return [];
      }
    });
}

/** What a sequence of runs left: records lost or doubled, requests answered more than once. */
export interface RunOutcome {
  lines: number;
  unique: number;
  lost: number;
  duplicated: number;
  /** Answers the server gave more than once to the same request: paid twice. */
  paidTwice: number;
  /** Lines of stderr that said a repair was made. */
  repairs: number;
  exitCodes: Array<number | string>;
}

export interface GenerateCommand {
  server: OpenAITestServer;
  dataset: string;
  run: string;
  budget: number;
  /** The child that runs the CLI (`test/cli/generate-child.fixture.ts`), as an absolute path. */
  childScript: string;
}

function argv(command: GenerateCommand): string[] {
  const { dataset, run, budget, server } = command;
  return ["generate", dataset, "--run", run, "--strategy", "random", "--budget", String(budget), "--teacher", `openai:teacher@${server.baseUrl}`, "--no-decontaminate"];
}

/** Runs the command to its end (or until `killAtRequest` requests reached the server, then SIGKILL). */
export async function runGenerate(command: GenerateCommand, killAtRequest?: number): Promise<{ exit: number | string; stderr: string }> {
  const child = spawnViteNode(command.childScript, ["--", ...argv(command)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? `${signal}`)));
  if (killAtRequest !== undefined) {
    let done = false;
    void exited.then(() => (done = true));
    while (!done && command.server.requests.length < killAtRequest) await new Promise((resolve) => setTimeout(resolve, 5));
    if (!done) child.kill("SIGKILL");
  }
  return { exit: await exited, stderr };
}

/** Tallies the run's file and the server's answers. */
export function outcome(command: GenerateCommand, stderr: string, exitCodes: Array<number | string>): RunOutcome {
  const ids = fileIds(join(command.run, "synthetic.jsonl"));
  const unique = new Set(ids).size;
  const answers = new Map<string, number>();
  for (const request of command.server.answered) {
    const key = JSON.stringify(request.body);
    answers.set(key, (answers.get(key) ?? 0) + 1);
  }
  const paidTwice = [...answers.values()].reduce((sum, count) => sum + count - 1, 0);
  const repairs = stderr.split("\n").filter((line) => line.includes("repaired synthetic.jsonl")).length;
  return { lines: ids.length, unique, lost: Math.max(0, command.budget - unique), duplicated: ids.length - unique, paidTwice, repairs, exitCodes };
}

/** `kills` SIGKILLs at random moments of a generate, then a run to the end. */
export async function killAndResume(command: GenerateCommand, kills: number, random: () => number): Promise<RunOutcome> {
  const exitCodes: Array<number | string> = [];
  let stderr = "";
  for (let kill = 0; kill < kills; kill++) {
    // Each kill lands a few requests after the previous one: early, mid-run and late kills.
    const at = command.server.requests.length + 1 + Math.floor(random() * 8);
    const result = await runGenerate(command, at);
    exitCodes.push(result.exit);
    stderr += result.stderr;
  }
  const last = await runGenerate(command);
  exitCodes.push(last.exit);
  return outcome(command, stderr + last.stderr, exitCodes);
}

/** Cuts synthetic.jsonl at `cuts` random byte offsets, rerunning the command after each. */
export async function cutAndRerun(command: GenerateCommand, cuts: number, random: () => number): Promise<RunOutcome & { requestsSent: number }> {
  const path = join(command.run, "synthetic.jsonl");
  const before = command.server.requests.length;
  const exitCodes: Array<number | string> = [];
  let stderr = "";
  for (let cut = 0; cut < cuts; cut++) {
    truncateSync(path, Math.floor(random() * statSync(path).size));
    const result = await runGenerate(command);
    exitCodes.push(result.exit);
    stderr += result.stderr;
  }
  return { ...outcome(command, stderr, exitCodes), requestsSent: command.server.requests.length - before };
}

/** Kills a run mid-way, deletes its WAL (or its whole database), and runs it to the end. */
export async function loseAndRerun(command: GenerateCommand, lose: "wal" | "database", killAtRequest: number): Promise<RunOutcome> {
  const first = await runGenerate(command, killAtRequest);
  const database = join(command.run, "gapfill.db");
  const suffixes = lose === "wal" ? ["-wal", "-shm"] : ["", "-wal", "-shm"];
  for (const suffix of suffixes) rmSync(database + suffix, { force: true });
  const last = await runGenerate(command);
  return outcome(command, first.stderr + last.stderr, [first.exit, last.exit]);
}
