import type { Capability, Engine } from "../core/engine.js";
import { EngineCallError, GapfillError } from "../core/errors.js";
import { type ServerIdentity, SERVER_NAMES } from "../engines/openai/identify-server.js";
import { serverOffer } from "../engines/openai/server-offers.js";
import { EXAMPLE_JSON_SCHEMA } from "../strategies/task/teacher-task.js";

export interface CapabilityCheck {
  capability: Capability | "teacher-json";
  /** `not-offered`: the engine or its server cannot do it (not a failure); the detail says who can. */
  status: "ok" | "failed" | "not-offered" | "not-checked";
  milliseconds?: number;
  /** What came back ("8 dims", "\"OK\"…") or why it failed / was not checked. */
  detail: string;
}

export interface EngineCheckReport {
  spec: string;
  kind: string;
  model: string;
  /** The server behind an OpenAI-compatible spec, as it identified itself. */
  server?: ServerIdentity & { name: string };
  capabilities: Capability[];
  checks: CapabilityCheck[];
  ok: boolean;
}

export interface CheckEngineOptions {
  /** A LoRA adapter to load (checks `lora`). */
  lora?: string;
  /** `teacher`: check only the calls a teacher makes (chat, and chat constrained to the example JSON schema). */
  role?: "teacher";
}

/** Engines that can tell which server they talk to (the OpenAI-compatible engine). */
interface IdentifiesServer {
  identify(): Promise<ServerIdentity>;
}

const ALL: Capability[] = ["embed", "token-embed", "input-embed", "chat", "complete", "score", "decode-embeddings", "lora"];
const TEACHER: Capability[] = ["chat"];

const preview = (text: string) => JSON.stringify(text.length > 40 ? text.slice(0, 39) + "…" : text);

/**
 * One small real call per capability the engine (and its server) offers, so a user learns before
 * a long run whether the engine answers and in what shape. An OpenAI-compatible server is first
 * identified from its own routes: a server that is down fails the check at once (one line, in
 * seconds), and what that kind of server cannot do is listed as not offered, with who can,
 * instead of being called and failing. A route the server answers 404/405/501 to is not offered
 * either (it was started without that feature; the detail names the flag).
 */
export async function checkEngine(engine: Engine, options: CheckEngineOptions = {}): Promise<EngineCheckReport> {
  let server: EngineCheckReport["server"];
  if (identifiesServer(engine)) {
    // Thrown as is: the server is down or the URL wrong; nothing else is worth trying.
    const identity = await engine.identify();
    server = { ...identity, name: SERVER_NAMES[identity.kind] };
  }
  const wanted = options.role === "teacher" ? TEACHER : ALL;
  const checks: CapabilityCheck[] = [];
  const smoke = smokeCalls(engine, options);
  for (const capability of wanted) {
    if (!engine.capabilities.has(capability)) {
      checks.push({ capability, status: "not-offered", detail: `the ${engine.kind} engine cannot` });
      continue;
    }
    const offer = server ? serverOffer(server.kind, capability) : { offered: true as const };
    if (!offer.offered) {
      checks.push({ capability, status: "not-offered", detail: offer.why });
      continue;
    }
    checks.push(await timed(capability, smoke[capability]));
  }
  if (options.role === "teacher" && engine.capabilities.has("chat")) checks.push(await timed("teacher-json", smoke["teacher-json"]));
  return {
    spec: engine.spec,
    kind: engine.kind,
    model: engine.model,
    ...(server ? { server } : {}),
    capabilities: ALL.filter((capability) => engine.capabilities.has(capability) && (!server || serverOffer(server.kind, capability).offered)),
    checks,
    ok: checks.every((check) => check.status !== "failed"),
  };
}

async function timed(capability: CapabilityCheck["capability"], call: () => Promise<string>): Promise<CapabilityCheck> {
  const started = performance.now();
  try {
    const detail = await call();
    return { capability, status: "ok", milliseconds: performance.now() - started, detail };
  } catch (error) {
    if (error instanceof NotChecked) return { capability, status: "not-checked", detail: error.message };
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof EngineCallError && [404, 405, 501].includes(error.statusCode ?? 0)) return { capability, status: "not-offered", detail };
    if (error instanceof GapfillError && error.code === "capability-missing") return { capability, status: "not-offered", detail };
    return { capability, status: "failed", milliseconds: performance.now() - started, detail };
  }
}

function smokeCalls(engine: Engine, options: CheckEngineOptions): Record<CapabilityCheck["capability"], () => Promise<string>> {
  return {
    embed: async () => {
      const m = await engine.embed(["The quick brown fox."], { stage: "check" });
      return `${m.cols} dims`;
    },
    "token-embed": async () => {
      const m = await engine.tokenEmbed("The quick brown fox.", { stage: "check" });
      return `${m.rows} tokens × ${m.cols} dims`;
    },
    "input-embed": async () => {
      const m = await engine.inputEmbed("The quick brown fox.");
      return `${m.rows} tokens × ${m.cols} dims`;
    },
    chat: async () => {
      const g = await engine.chat([{ role: "user", content: "Reply with the word OK." }], { maxTokens: 8, stage: "check" });
      return `${preview(g.text)} (${g.usage.promptTokens}+${g.usage.completionTokens} tokens)`;
    },
    complete: async () => {
      const g = await engine.complete("1, 2, 3,", { maxTokens: 6, stage: "check" });
      return `${preview(g.text)} (${g.usage.completionTokens} tokens)`;
    },
    score: async () => {
      const s = await engine.score("The sky is", " blue.", { stage: "check" });
      return `${s.tokenLogprobs.length} tokens, mean loss ${s.meanLoss.toFixed(3)}`;
    },
    "decode-embeddings": async () => {
      if (!engine.capabilities.has("input-embed")) throw new NotChecked("needs input-embedding rows, which this engine cannot give; it is used with rows from a llama engine of the same model");
      const rows = await engine.inputEmbed("hello");
      const g = await engine.decodeEmbeddings(rows, { prefix: "Repeat: ", maxTokens: 6 });
      return `${preview(g.text)} from ${rows.rows} embedding rows`;
    },
    lora: async () => {
      if (!options.lora) throw new NotChecked("needs an adapter to load: give its path as the lora option");
      await engine.loadLora(options.lora);
      return `loaded ${options.lora}`;
    },
    // What generate sends: a chat constrained to the example schema. The reply must be JSON; a
    // model too small to write a good example still passes (validation judges examples later).
    "teacher-json": async () => {
      const g = await engine.chat(
        [{ role: "user", content: "Write one short arithmetic word problem as JSON with question, answer and final_answer." }],
        { maxTokens: 200, jsonSchema: EXAMPLE_JSON_SCHEMA, stage: "check" },
      );
      try {
        JSON.parse(g.text);
      } catch {
        throw new Error(`the reply to a JSON-schema request is not JSON: ${preview(g.text)}; the server may ignore response_format (generate then relies on reading prose replies)`);
      }
      return `JSON reply ${preview(g.text)}`;
    },
  };
}

function identifiesServer(engine: Engine): engine is Engine & IdentifiesServer {
  return typeof (engine as Partial<IdentifiesServer>).identify === "function";
}

class NotChecked extends Error {}
