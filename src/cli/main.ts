import { Command, CommanderError } from "commander";
import { GapfillError, OptionError, UsageError } from "../core/errors.js";
import { gapfillVersion } from "../store/gapfill-version.js";
import { type CliIo, processIo } from "./cli-io.js";
import { cliMessage } from "./option-flags.js";
import { registerInspect } from "./commands/inspect.js";
import { registerMap } from "./commands/map.js";
import { registerEval } from "./commands/eval.js";
import { registerCompare } from "./commands/compare.js";
import { registerGenerate } from "./commands/generate.js";
import { registerEngines } from "./commands/engines.js";
import { registerBatch } from "./commands/batch.js";
import { registerLoop } from "./commands/loop.js";
import { registerAnswers } from "./commands/answers.js";
import { registerUi } from "./commands/ui.js";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Builds the command tree. Command modules register options only; their work is imported lazily. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("gapfill")
    .description("Student-aware synthetic data: find where a fine-tuning set is thin for the student, and fill it.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  registerInspect(program, io);
  registerMap(program, io);
  registerEval(program, io);
  registerCompare(program, io);
  registerGenerate(program, io);
  registerEngines(program, io);
  registerBatch(program, io);
  registerLoop(program, io);
  registerAnswers(program, io);
  registerUi(program, io);
  for (const command of program.commands) command.exitOverride().showHelpAfterError("(run with --help for usage)");
  return program;
}

// package.json is the one version source; runs record the same string.
const VERSION = gapfillVersion();

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage error. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (error) {
    return reportError(error, io);
  }
}

/**
 * The one place errors become exit codes and lines on stderr. A usage or option error exits
 * with 2, any other GapfillError with 1; both print one line (its flag, file or field named),
 * with the stack only under GAPFILL_DEBUG. Anything else is a bug: it says so, with the stack.
 */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help/version text).
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") {
      return EXIT_OK;
    }
    return EXIT_USAGE;
  }
  if (error instanceof GapfillError) {
    io.stderr.write(`gapfill: ${cliMessage(error)}\n`);
    if (io.env.GAPFILL_DEBUG && error.stack) io.stderr.write(error.stack + "\n");
    return error instanceof UsageError || error instanceof OptionError ? EXIT_USAGE : EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`gapfill: unexpected error (a bug in gapfill): ${message}\nPlease report it with the command you ran and the lines below.\n`);
  if (error instanceof Error && error.stack) io.stderr.write(error.stack + "\n");
  return EXIT_FAILURE;
}
