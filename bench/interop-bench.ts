/**
 * The interop matrix: each capability against each kind of server gapfill can reach on this
 * machine, from live runs (`engines check` on each): works / not offered / fails, with the time
 * of each smoke call. llama.cpp is its own llama-server (scripts/build-llama-server.sh) serving
 * the real stories260K model, once plain and once with --embeddings; "llama" is the embedded
 * engine on the same model; "openai-compatible" is the local test server (vLLM's routes, made-up
 * answers). vLLM and Ollama cannot run here (no GPU, no downloads): they are listed as absent.
 */
import { existsSync } from "node:fs";
import type { Capability } from "../src/core/engine.js";
import { createEngine } from "../src/engines/create-engine.js";
import { checkEngine, type EngineCheckReport } from "../src/pipeline/check-engine.js";
import { llamaServerPath, type RunningLlamaServer, startLlamaServer } from "../test/support/llama-server.js";
import { OpenAITestServer } from "../test/support/openai-test-server.js";
import { sharedDataPath } from "../test/support/shared-data.js";

const CAPABILITIES: Capability[] = ["embed", "token-embed", "input-embed", "chat", "complete", "score", "decode-embeddings", "lora"];
const MARK = { ok: "works", "not-offered": "not offered", failed: "FAILS", "not-checked": "not checked" } as const;

export async function benchInterop(): Promise<{ name: string; figures: Record<string, number> }> {
  const model = sharedDataPath("stories260K");
  const columns: { name: string; report?: EngineCheckReport; absent?: string }[] = [];
  const check = async (name: string, spec: string, options: Parameters<typeof createEngine>[1] = {}) => {
    const engine = await createEngine(spec, { env: {}, ...options });
    try {
      columns.push({ name, report: await checkEngine(engine) });
    } finally {
      await engine.close();
    }
  };

  await check("llama (embedded)", `llama:${model}?context=512&threads=1`);
  const testServer = await OpenAITestServer.start();
  try {
    await check("openai-compatible (test server)", `openai:m@${testServer.baseUrl}`);
  } finally {
    await testServer.close();
  }
  if (existsSync(llamaServerPath())) {
    for (const [name, embeddings] of [["llama.cpp server", false], ["llama.cpp --embeddings", true]] as const) {
      let server: RunningLlamaServer | undefined;
      try {
        server = await startLlamaServer({ model, embeddings });
        await check(name, `openai:stories@${server.baseUrl}?max_attempts=1`);
      } finally {
        await server?.close();
      }
    }
  } else {
    columns.push({ name: "llama.cpp server", absent: "not built: run scripts/build-llama-server.sh" });
  }
  columns.push({ name: "vLLM", absent: "cannot run on this machine" }, { name: "Ollama", absent: "cannot run on this machine" });

  const width = 34;
  console.log(`\ninterop matrix (capability × server kind, live)\n${"".padEnd(18)}${columns.map((column) => column.name.padEnd(width)).join("")}`);
  for (const capability of CAPABILITIES) {
    const cells = columns.map((column) => {
      if (column.absent) return "—";
      const found = column.report!.checks.find((entry) => entry.capability === capability);
      if (!found) return "not offered";
      return `${MARK[found.status]}${found.milliseconds === undefined ? "" : ` ${Math.round(found.milliseconds)} ms`}`;
    });
    console.log(`${capability.padEnd(18)}${cells.map((cell) => cell.padEnd(width)).join("")}`);
  }
  for (const column of columns.filter((entry) => entry.absent)) console.log(`  ${column.name}: ${column.absent}`);

  const figures: Record<string, number> = {};
  for (const column of columns) {
    if (!column.report) continue;
    const key = column.name.split(" ")[0] + (column.name.includes("embeddings") ? "-embeddings" : "");
    figures[`${key} works`] = column.report.checks.filter((entry) => entry.status === "ok").length;
    figures[`${key} fails`] = column.report.checks.filter((entry) => entry.status === "failed").length;
  }
  return { name: "interop (capabilities that work / fail per server kind)", figures };
}
