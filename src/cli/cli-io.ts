import type { ProgressListener } from "../core/events.js";

/** Where a command writes: injected so end-to-end tests can run `main` in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

/** Flags every reporting command shares. */
export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
}

/**
 * Progress goes to stderr so stdout stays clean for results and `--json`.
 * The renderer is loaded lazily: `--help` must not pay for it.
 */
export async function progressFor(io: CliIo, flags: OutputFlags): Promise<ProgressListener & { close(): void }> {
  const { createProgressRenderer, chooseRenderMode } = await import("./progress-renderer.js");
  const mode = chooseRenderMode(io.stderr as NodeJS.WriteStream, { quiet: flags.quiet || io.env.GAPFILL_QUIET === "1" });
  return createProgressRenderer({ stream: io.stderr, mode, width: io.stderr.columns });
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
