import type { Command } from "commander";
import type { EngineCheckReport } from "../../pipeline/check-engine.js";
import { type CliIo, type OutputFlags, writeJson } from "../cli-io.js";
import { formatTable } from "../format-table.js";
import { GapfillError } from "../../core/errors.js";

export function registerEngines(program: Command, io: CliIo): void {
  const engines = program.command("engines").description("Check model engines");
  engines
    .command("check")
    .description("List an engine's capabilities and run a one-line smoke call of each")
    .argument("<spec>", "llama:PATH.gguf | openai:MODEL@BASE_URL[,URL2] | ollama:MODEL")
    .option("--lora <path>", "also load this LoRA adapter")
    .option("--json", "print the report as JSON on stdout")
    .action(async (spec: string, flags: OutputFlags & { lora?: string }) => {
      const [{ createEngine }, { checkEngine }] = await Promise.all([
        import("../../engines/create-engine.js"),
        import("../../pipeline/check-engine.js"),
      ]);
      const engine = await createEngine(spec, { option: "spec" });
      let report: EngineCheckReport;
      try {
        report = await checkEngine(engine, { lora: flags.lora });
      } finally {
        await engine.close();
      }
      if (flags.json) writeJson(io, report);
      else io.stdout.write(formatEngineCheck(report));
      if (!report.ok) throw new GapfillError("engine-check-failed", `${report.checks.filter((c) => c.status === "failed").length} check(s) failed for ${report.spec}`);
    });
}

function formatEngineCheck(report: EngineCheckReport): string {
  const rows = report.checks.map((check) => [
    check.capability,
    check.status,
    check.milliseconds === undefined ? "" : `${Math.round(check.milliseconds)} ms`,
    check.detail.replace(/\s+/g, " "),
  ]);
  const lacking = ["embed", "token-embed", "input-embed", "chat", "complete", "score", "decode-embeddings", "lora"].filter(
    (capability) => !report.capabilities.includes(capability as never),
  );
  return (
    `${report.spec} (${report.kind}, model ${report.model})\n` +
    formatTable(["capability", "status", "time", "detail"], rows) +
    (lacking.length ? `not offered by this engine: ${lacking.join(", ")}\n` : "")
  );
}
