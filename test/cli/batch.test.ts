import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchPendingError } from "../../src/core/errors.js";
import { createEngine } from "../../src/engines/create-engine.js";
import { RequestCache } from "../../src/engines/request-cache.js";
import { OpenAITestServer } from "../support/openai-test-server.js";
import { openRun } from "../../src/store/index.js";
import { runCli } from "../helpers/run-cli.js";

let dir: string;
let server: OpenAITestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-cli-batch-"));
  server = await OpenAITestServer.start();
});
afterAll(async () => {
  await server?.close();
});

/** Asks three questions through a run's cache in the given mode; returns the answers (or the pending error). */
async function ask(runDir: string, mode: "live" | "batch"): Promise<string[] | BatchPendingError> {
  const run = await openRun(runDir, { command: "test" });
  try {
    const engine = await createEngine(`openai:teacher@${server.baseUrl}`, { cache: new RequestCache(run.db, { mode }) });
    const settled = await Promise.allSettled(
      ["one", "two", "three"].map((word) => engine.chat([{ role: "user", content: `Say ${word}.` }], { stage: "generate" })),
    );
    const failure = settled.find((s) => s.status === "rejected");
    if (failure) return (failure as PromiseRejectedResult).reason;
    return settled.map((s) => (s as PromiseFulfilledResult<{ text: string }>).value.text);
  } finally {
    run.close();
  }
}

describe("gapfill batch export / import", () => {
  it("exports pending requests, imports results, and the rerun sends nothing", async () => {
    const runDir = join(dir, "run");
    server.clearRecords();
    const pending = await ask(runDir, "batch");
    expect(pending).toBeInstanceOf(BatchPendingError);
    expect(server.requests).toHaveLength(0);

    const out = join(dir, "requests.jsonl");
    const exported = await runCli(["batch", "export", "--run", runDir, "--out", out, "--json"]);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout).requests).toBe(3);
    const lines = (await readFile(out, "utf8")).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => line.url)).toEqual(Array(3).fill("/v1/chat/completions"));
    expect(lines.every((line) => line.method === "POST" && line.body.model === "teacher" && line.custom_id)).toBe(true);

    // Play the batch service: answer each line as the Batch API would.
    const results = lines.map((line, i) => ({
      id: `batch_req_${i}`,
      custom_id: line.custom_id,
      response: {
        status_code: 200,
        request_id: `req_${i}`,
        body: {
          id: `chatcmpl-${i}`,
          object: "chat.completion",
          model: "teacher",
          choices: [{ index: 0, message: { role: "assistant", content: `answer to ${line.body.messages[0].content}` }, finish_reason: "stop" }],
          usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
        },
      },
      error: null,
    }));
    const resultsFile = join(dir, "results.jsonl");
    await writeFile(resultsFile, results.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const imported = await runCli(["batch", "import", resultsFile, "--run", runDir, "--json"]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 3, unknown: 0, alreadyDone: 0 });

    const answers = await ask(runDir, "live");
    expect(answers).toEqual(["answer to Say one.", "answer to Say two.", "answer to Say three."]);
    expect(server.requests).toHaveLength(0);
  });

  it("names a malformed results line by file and line", async () => {
    const runDir = join(dir, "run");
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, "{not json}\n");
    const result = await runCli(["batch", "import", bad, "--run", runDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:1`);
  });

  it("refuses a --run that is not a run", async () => {
    const result = await runCli(["batch", "export", "--run", join(dir, "nope"), "--out", join(dir, "x.jsonl")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--run");
  });
});
