import type { Command } from "commander";
import type { EngineCheckReport } from "../../pipeline/check-engine.js";
import { type CliIo, type OutputFlags, writeJson } from "../cli-io.js";
import { formatTable } from "../format-table.js";
import { GapfillError } from "../../core/errors.js";

export function registerEngines(program: Command, io: CliIo): void {
  const engines = program.command("engines").description("Check model engines");
  engines
    .command("check")
    .description("Identify the engine's server, list what it offers, and run a one-line smoke call of each; exits 0 when everything offered works")
    .argument("<spec>", "llama:PATH.gguf | openai:MODEL@BASE_URL[,URL2] | ollama:MODEL")
    .option("--lora <path>", "also load this LoRA adapter")
    .option("--teacher", "check only the calls a teacher makes (chat, and chat constrained to the example JSON schema)")
    .option("--json", "print the report as JSON on stdout")
    .action(async (spec: string, flags: OutputFlags & { lora?: string; teacher?: boolean }) => {
      const [{ createEngine }, { checkEngine }] = await Promise.all([
        import("../../engines/create-engine.js"),
        import("../../pipeline/check-engine.js"),
      ]);
      // One attempt per call: a check reports what the server does now, it does not wait it out.
      const engine = await createEngine(spec, { option: "spec", http: { maxAttempts: 1 } });
      let report: EngineCheckReport;
      try {
        report = await checkEngine(engine, { lora: flags.lora, role: flags.teacher ? "teacher" : undefined });
      } finally {
        await engine.close();
      }
      if (flags.json) writeJson(io, report);
      else io.stdout.write(formatEngineCheck(report));
      const failed = report.checks.filter((check) => check.status === "failed");
      if (failed.length > 0) {
        throw new GapfillError("engine-check-failed", `${failed.length} check(s) failed for ${report.spec}: ${failed.map((check) => check.capability).join(", ")}`);
      }
    });
}

function formatEngineCheck(report: EngineCheckReport): string {
  const rows = report.checks.map((check) => [
    check.capability,
    check.status,
    check.milliseconds === undefined ? "" : `${Math.round(check.milliseconds)} ms`,
    check.detail.replace(/\s+/g, " "),
  ]);
  const server = report.server
    ? `server: ${report.server.name}${report.server.version ? ` ${report.server.version}` : ""}${report.server.contextSize ? `, context ${report.server.contextSize}` : ""}\n`
    : "";
  return `${report.spec} (${report.kind}, model ${report.model})\n${server}` + formatTable(["capability", "status", "time", "detail"], rows);
}
