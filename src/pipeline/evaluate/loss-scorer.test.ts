import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../core/engine.js";
import { BatchPendingError, EngineCallError } from "../../core/errors.js";
import type { ProgressEvent } from "../../core/events.js";
import { createEngine } from "../../engines/create-engine.js";
import { OpenAITestServer } from "../../../test/support/openai-test-server.js";
import { LOSS_FAILURES_BEFORE_OFF, continuationAfter, createLossScorer } from "./loss-scorer.js";

let server: OpenAITestServer;
let engine: Engine;
let dir: string;

beforeEach(async () => {
  server = await OpenAITestServer.start();
  dir = mkdtempSync(join(tmpdir(), "gapfill-loss-"));
  engine = await createEngine(`openai:student@${server.baseUrl}?max_attempts=1`, { env: {} });
});
afterEach(async () => {
  await engine.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const notices = (events: ProgressEvent[]) => events.flatMap((event) => (event.type === "notice" ? [event.message] : []));

describe("createLossScorer", () => {
  it("scores a continuation through the completions route (echo + log-probs) as the engine's mean loss", async () => {
    const scorer = createLossScorer(engine);
    const loss = await scorer.score("Question: 2 + 2?\nAnswer:", " #### 4");
    expect(loss).toBe((await engine.score("Question: 2 + 2?\nAnswer:", " #### 4")).meanLoss);
    expect(loss).toBeGreaterThan(0);
    expect(scorer.status).toBe("scored");
    const sent = server.requests.filter((request) => request.body.echo === true);
    expect(sent).toHaveLength(2);
    expect(sent[0].body).toMatchObject({ prompt: "Question: 2 + 2?\nAnswer: #### 4", max_tokens: 0 });
  });

  it("sends nothing for an empty continuation or when turned off", async () => {
    expect(await createLossScorer(engine).score("Q:", "   ")).toBeNull();
    const off = createLossScorer(engine, { enabled: false });
    expect(await off.score("Q:", " 4")).toBeNull();
    expect(off.status).toBe("skipped: turned off");
    expect(server.requests).toHaveLength(0);
  });

  it("skips with a notice an engine without the score capability", async () => {
    const events: ProgressEvent[] = [];
    const noScore = Object.assign(Object.create(engine) as Engine, { capabilities: new Set(["complete"]) });
    const scorer = createLossScorer(noScore, { onEvent: (event) => events.push(event) });
    expect(await scorer.score("Q:", " 4")).toBeNull();
    expect(scorer.status).toBe(`skipped: ${engine.spec} has no token log-probs (the "score" capability)`);
    expect(notices(events)).toEqual([`loss signals ${scorer.status}`]);
    expect(server.requests).toHaveLength(0);
  });

  it("turns itself off for good when the server answers without log-probs; the answers are still judged", async () => {
    server.handle("completions", () => ({ id: "x", object: "text_completion", choices: [{ index: 0, text: "", finish_reason: "stop", logprobs: null }] }));
    const events: ProgressEvent[] = [];
    const scorer = createLossScorer(engine, { onEvent: (event) => events.push(event) });
    // One item's failure loses only its signals; the same failure on several items in a row turns them off.
    for (let item = 1; item < LOSS_FAILURES_BEFORE_OFF; item++) {
      expect(await scorer.score("Q:", ` ${item}`)).toBeNull();
      expect(scorer.status).toBe("scored");
    }
    expect(await scorer.score("Q:", " 4")).toBeNull();
    expect(await scorer.score("Q:", " 5")).toBeNull();
    // One scoring request per failing item, none after the signals went off (the engine also
    // identified the server, with GETs, to name it).
    expect(server.requests.filter((request) => request.route === "completions")).toHaveLength(LOSS_FAILURES_BEFORE_OFF);
    expect(scorer.status).toMatch(/^skipped: openai:student@.* could not score a continuation \(/);
    expect(notices(events)).toEqual([`loss signals ${scorer.status}; answers are still judged`]);
  });

  it("lets a failure the engine already retried, and batch mode's pending stop, through", async () => {
    server.script("500");
    await expect(createLossScorer(engine).score("Q:", " 4")).rejects.toBeInstanceOf(EngineCallError);
    const pending = Object.assign(Object.create(engine) as Engine, { score: () => Promise.reject(new BatchPendingError(1)) });
    const scorer = createLossScorer(pending);
    await expect(scorer.score("Q:", " 4")).rejects.toBeInstanceOf(BatchPendingError);
    expect(scorer.status).toBe("scored");
  });
});

describe("continuationAfter", () => {
  it("puts one space after a prompt ending in a label, none after one ending in whitespace", () => {
    expect(continuationAfter("Answer:", "  #### 4 \n")).toBe(" #### 4");
    expect(continuationAfter("Answer:\n", "#### 4")).toBe("#### 4");
  });
});
