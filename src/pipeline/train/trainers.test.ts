import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silent } from "../../core/events.js";
import { FineTuningTestServer } from "../../../test/support/fine-tuning-routes.js";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";
import { openRun, type Run } from "../../store/index.js";
import { createTrainer } from "./create-trainer.js";
import { FineTuningApi } from "./fine-tuning-api.js";
import { fillCommandTemplate, shellQuote } from "./shell-quote.js";
import { parseTrainerSpec } from "./trainer-spec.js";
import { beginTraining, readTraining, recordTrainingIds } from "./training-store.js";
import type { TrainRequest } from "./trainer.js";

let dir: string;
let run: Run;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gapfill-train-"));
  run = await openRun(join(dir, "run"), { command: "loop" });
});
afterAll(() => {
  run?.close();
  rmSync(dir, { recursive: true, force: true });
});

function request(round: number, extra: Partial<TrainRequest> = {}): TrainRequest {
  const trainFile = join(dir, `train ${round}.jsonl`);
  writeFileSync(trainFile, `${JSON.stringify({ messages: [{ role: "user", content: "q" }, { role: "assistant", content: "a" }] })}\n`);
  return { round, trainFile, baseStudent: "openai:base@http://127.0.0.1:9/v1", baseModel: "base", outputDir: join(dir, `out ${round}`), logFile: join(dir, `train-${round}.log`), db: run.db, env: {}, onEvent: silent, ...extra };
}

describe("trainer specs and templates", () => {
  it("quotes substituted values so paths with spaces and quotes stay one argument", () => {
    expect(shellQuote("/a/b.jsonl")).toBe("/a/b.jsonl");
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    const filled = fillCommandTemplate("train {train_file} --out {output_dir} -r {round} {base_model}", { train_file: "/d/my data.jsonl", output_dir: "/o; rm -rf x", round: "2", base_model: "m" });
    expect(filled).toBe("train '/d/my data.jsonl' --out '/o; rm -rf x' -r 2 m");
    expect(fillCommandTemplate("awk '{print $1}' {train_file}", { train_file: "a b", output_dir: "", round: "", base_model: "" })).toBe("awk '{print $1}' 'a b'");
  });

  it("parses command: (quoted or not) and openai-ft: with its own options", () => {
    expect(parseTrainerSpec(`command:"node t.mjs {train_file}"`)).toMatchObject({ kind: "command", template: "node t.mjs {train_file}" });
    const ft = parseTrainerSpec("openai-ft:gpt-4o-mini@http://127.0.0.1:1/v1?poll=0.5&suffix=loop&api_key_env=FT_KEY");
    expect(ft).toMatchObject({ kind: "openai-ft", pollSeconds: 0.5, suffix: "loop" });
    if (ft.kind === "openai-ft") expect(ft.engine).toMatchObject({ model: "gpt-4o-mini", baseUrls: ["http://127.0.0.1:1/v1"], options: { apiKeyEnv: "FT_KEY" } });
    expect(() => parseTrainerSpec("trl:model")).toThrow(expect.objectContaining({ option: "trainer", message: expect.stringMatching(/^trainer must be command:/) }));
    expect(() => parseTrainerSpec("openai-ft:m@http://127.0.0.1:1/v1?poll=-1")).toThrow(/poll must be a positive/);
  });
});

describe("command trainer", () => {
  it("runs the command once, reads student.txt, and does not run a finished round again", async () => {
    const counter = join(dir, "runs.txt");
    const script = `require('fs').appendFileSync(${JSON.stringify(counter)}, 'x'); require('fs').writeFileSync(process.argv[1] + '/student.txt', 'openai:trained-r' + process.argv[2] + '@http://127.0.0.1:9/v1\\n')`;
    const trainer = createTrainer(`command:node -e ${shellQuote(script)} {output_dir} {round}`);
    const first = await trainer.train(request(1));
    expect(first).toEqual({ spec: "openai:trained-r1@http://127.0.0.1:9/v1" });
    expect(await trainer.train(request(1))).toEqual(first);
    expect(readFileSync(counter, "utf8")).toBe("x");
  });

  it("a command killed mid-training is run again from an empty folder: its half-written output is never loaded", async () => {
    const req = request(6);
    // What a killed run leaves: a partial adapter and no completion marker.
    const { mkdirSync } = await import("node:fs");
    mkdirSync(req.outputDir, { recursive: true });
    writeFileSync(join(req.outputDir, "student.txt"), "openai:half-written@http://127.0.0.1:9/v1");
    writeFileSync(join(req.outputDir, "partial.bin"), "xx");
    const trainer = createTrainer(`command:ls {output_dir} > ${shellQuote(join(dir, "seen.txt"))}; echo openai:complete@http://127.0.0.1:9/v1 > {output_dir}/student.txt`);
    expect(await trainer.train(req)).toEqual({ spec: "openai:complete@http://127.0.0.1:9/v1" });
    expect(readFileSync(join(dir, "seen.txt"), "utf8")).toBe("");
    expect(existsSync(join(req.outputDir, "partial.bin"))).toBe(false);
  });

  it("finds a GGUF adapter for a llama student and a PEFT folder for an HTTP one", async () => {
    const gguf = createTrainer(`command:touch {output_dir}/adapter.gguf`);
    expect(await gguf.train(request(2, { baseStudent: "llama:/m/base.gguf" }))).toEqual({ spec: "llama:/m/base.gguf", lora: join(dir, "out 2", "adapter.gguf") });
    const peft = createTrainer(`command:echo '{}' > {output_dir}/adapter_config.json`);
    expect(await peft.train(request(3))).toEqual({ spec: "openai:base@http://127.0.0.1:9/v1", lora: join(dir, "out 3"), loraName: "gapfill-round-3" });
  });

  it("runs the command with an allow-listed environment: no API key unless named on purpose", async () => {
    const env = { OPENAI_API_KEY: "sk-should-not-leak", MY_TOKEN: "t0k3n", WANDB_PROJECT: "p", PATH: process.env.PATH, LC_ALL: "C" };
    // Whatever the command prints lands in the round's log: print the whole environment.
    const print = `command:env; echo openai:x@http://127.0.0.1:9/v1 > {output_dir}/student.txt`;
    await createTrainer(print).train(request(20, { env }));
    const plain = readFileSync(request(20).logFile, "utf8");
    expect(plain).not.toContain("sk-should-not-leak");
    expect(plain).not.toContain("t0k3n");
    expect(plain).toContain("LC_ALL=C");
    expect(plain).toContain("GAPFILL_ROUND=20");
    await createTrainer(print, "trainer", { passEnv: ["WANDB_PROJECT", "MY_TOKEN"] }).train(request(21, { env }));
    const named = readFileSync(request(21).logFile, "utf8");
    expect(named).toContain("WANDB_PROJECT=p");
    expect(named).toContain("MY_TOKEN=t0k3n");
    expect(named).not.toContain("sk-should-not-leak");
  });

  it("says when the command fails (with its last output) or leaves nothing loadable", async () => {
    await expect(createTrainer("command:echo out of memory >&2; exit 3").train(request(4))).rejects.toThrow(/exited with 3 \(out of memory\)/);
    await expect(createTrainer("command:true").train(request(5))).rejects.toThrow(/left nothing a student can load/);
    expect(existsSync(join(dir, "out 5", ".gapfill-trained.json"))).toBe(false);
  });
});

describe("openai-ft trainer against the fine-tuning test server", () => {
  let upstream: OpenAITestServer;
  let server: FineTuningTestServer;
  beforeAll(async () => {
    upstream = await OpenAITestServer.start();
    server = await FineTuningTestServer.start({ upstream, pollsToFinish: 2, fail: (job) => (job.suffix === "doomed" ? "out of credits" : undefined) });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it("uploads the chat JSONL, creates a job, polls it and returns the fine-tuned model on the same server", async () => {
    const trainer = createTrainer(`openai-ft:base-model@${server.baseUrl}?poll=0.01&suffix=loop`);
    beginTraining(run.db, 10, trainer.spec);
    const result = await trainer.train(request(10));
    expect(result.spec).toBe(`openai:ft:base-model:loop:ftjob-1@${server.baseUrl}`);
    expect([...server.files.values()][0].text).toContain('"role":"assistant"');
    expect(server.jobs.get("ftjob-1")).toMatchObject({ model: "base-model", training_file: "file-1", suffix: "loop" });
    expect(readTraining(run.db, 10)).toMatchObject({ fileId: "file-1", jobId: "ftjob-1" });
    // The model is served at the same base URL (passed through to the model server).
    const chat = await fetch(`${server.baseUrl}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "ft:base-model:loop:ftjob-1", messages: [{ role: "user", content: "hi" }] }) });
    expect(((await chat.json()) as any).choices[0].message.content).toBe("echo: hi");
  });

  it("resumes a stored job id without uploading or creating anything, and adopts a job created before a crash", async () => {
    const trainer = createTrainer(`openai-ft:base-model@${server.baseUrl}?poll=0.01`);
    beginTraining(run.db, 11, trainer.spec);
    const api = new FineTuningApi(server.baseUrl, undefined);
    const fileId = await api.uploadFile(request(11).trainFile);
    const job = await api.createJob({ model: "base-model", training_file: fileId });
    // Killed after the job was created but before its id was stored: only the file id is known.
    recordTrainingIds(run.db, 11, { fileId });
    server.requests.length = 0;
    const jobs = server.jobs.size;
    const result = await trainer.train(request(11));
    expect(result.spec).toContain(job.id);
    expect(server.jobs.size).toBe(jobs);
    expect(server.requests.filter((r) => r.startsWith("POST"))).toEqual([]);

    beginTraining(run.db, 12, trainer.spec);
    const other = await api.createJob({ model: "base-model", training_file: fileId });
    recordTrainingIds(run.db, 12, { jobId: other.id });
    server.requests.length = 0;
    expect((await trainer.train(request(12))).spec).toContain(other.id);
    expect(server.requests.every((r) => r === `GET /v1/fine_tuning/jobs/${other.id}`)).toBe(true);
  });

  it("a failed job is reported and forgotten, so the next run starts a new one", async () => {
    const trainer = createTrainer(`openai-ft:base-model@${server.baseUrl}?poll=0.01&suffix=doomed`);
    beginTraining(run.db, 13, trainer.spec);
    await expect(trainer.train(request(13))).rejects.toThrow(/fine-tuning job ftjob-\d+ failed: out of credits/);
    expect(readTraining(run.db, 13)).toMatchObject({ status: "failed", jobId: null, fileId: null });
    expect(beginTraining(run.db, 13, trainer.spec).status).toBe("running");
  });
});
