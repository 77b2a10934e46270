import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAITestServer } from "../support/openai-test-server.js";
import { runCli } from "../helpers/run-cli.js";
import { sharedDataPath } from "../support/shared-data.js";

const GSM8K_TEST = sharedDataPath("gsm8k-test");
let dir: string;
let server: OpenAITestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-batch-stages-"));
  server = await OpenAITestServer.start();
  // The student knows the answers to every other question: a known accuracy after the batch rounds.
  const items = (await readFile(GSM8K_TEST, "utf8")).split("\n").slice(0, 12).map((line) => JSON.parse(line));
  server.handle("completions", (request) => {
    const prompt = String(request.body.prompt);
    const index = items.findIndex((item) => prompt.includes(item.question));
    const answer = index >= 0 && index % 2 === 0 ? item(items[index]) : "7";
    return `Let me think.\n#### ${answer}`;
  });
});
afterAll(async () => {
  await server?.close();
});

const item = (row: { answer: string }) => row.answer.split("####").pop()!.trim();

/** Plays the batch service: sends each exported line to the server and writes the results file. */
async function runBatch(requestsFile: string, resultsFile: string): Promise<number> {
  const lines = (await readFile(requestsFile, "utf8")).trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
  const results = [];
  for (const [i, line] of lines.entries()) {
    const response = await fetch(`${server.url}${line.url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(line.body) });
    results.push({ id: `r${i}`, custom_id: line.custom_id, response: { status_code: response.status, request_id: `q${i}`, body: await response.json() }, error: null });
  }
  await writeFile(resultsFile, results.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return lines.length;
}

describe("--batch on a stage: eval", () => {
  it("goes through export / import rounds, sends nothing itself, and ends with the same verdicts as a live run", async () => {
    const run = join(dir, "eval-batch");
    const args = ["eval", "--student", `openai:student@${server.baseUrl}`, "--benchmark", GSM8K_TEST, "--limit", "12", "--run", run, "--json", "--quiet"];
    server.clearRecords();
    let batched = 0;
    let rounds = 0;
    for (;;) {
      const result = await runCli([...args, "--batch"]);
      if (result.code === 0) {
        const report = JSON.parse(result.stdout);
        expect(report.items).toBe(12);
        expect(report.correct).toBe(6);
        break;
      }
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/pending in batch mode/);
      expect(++rounds).toBeLessThan(5);
      const requests = join(dir, `requests-${rounds}.jsonl`);
      const exported = await runCli(["batch", "export", "--run", run, "--out", requests, "--quiet"]);
      expect(exported.code).toBe(0);
      batched += await runBatch(requests, join(dir, `results-${rounds}.jsonl`));
      expect((await runCli(["batch", "import", join(dir, `results-${rounds}.jsonl`), "--run", run, "--quiet"])).code).toBe(0);
    }
    // Answers first, then the loss scoring that depends on them: two rounds.
    expect(rounds).toBe(2);
    expect(server.requests).toHaveLength(batched); // every request the server saw came through the batch files

    const live = await runCli(["eval", "--student", `openai:student@${server.baseUrl}`, "--benchmark", GSM8K_TEST, "--limit", "12", "--run", join(dir, "eval-live"), "--json", "--quiet"]);
    expect(live.code).toBe(0);
    const batchReport = JSON.parse((await runCli([...args])).stdout);
    const liveReport = JSON.parse(live.stdout);
    expect([batchReport.correct, batchReport.meanReferenceLoss, batchReport.meanOwnLoss]).toEqual([liveReport.correct, liveReport.meanReferenceLoss, liveReport.meanOwnLoss]);
  });
});
