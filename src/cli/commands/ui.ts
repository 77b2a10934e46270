import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import type { CliIo } from "../cli-io.js";
import { parseInteger } from "./parse-flags.js";

interface UiFlags {
  port: string;
  open?: boolean;
}

export function registerUi(program: Command, io: CliIo): void {
  program
    .command("ui")
    .description("Serve the runs under DIR on 127.0.0.1: the list of runs, their pages, and each running stage live")
    .argument("[dir]", "folder holding run directories", "runs")
    .option("--port <n>", "port to listen on (0: a free one)", "0")
    .option("--open", "open the page in the default browser")
    .action(async (dir: string, flags: UiFlags) => {
      if (!existsSync(dir)) throw new UsageError(`${dir}: no such folder (run a stage with --run ${dir}/NAME first, or name the folder that holds your runs)`, "dir");
      const port = parseInteger(flags.port, "--port", 0);
      const { startUiServer } = await import("../../ui/server/ui-server.js");
      const server = await startUiServer({ root: dir, port });
      io.stdout.write(`gapfill ui: ${server.url} (runs under ${dir}; Ctrl-C stops)\n`);
      if (flags.open) openBrowser(server.url);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await server.close();
    });
}

/** The platform's opener; a missing one is not an error (the URL was printed). */
function openBrowser(url: string): void {
  const command = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  const child = spawn(command, [url], { stdio: "ignore", detached: true });
  child.on("error", () => undefined);
  child.unref();
}
