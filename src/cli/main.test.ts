import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { GapfillError, InputError, OptionError, TooFewRowsError, UsageError } from "../core/errors.js";
import { EXIT_FAILURE, EXIT_USAGE, reportError } from "./main.js";

/** Reports `error` as the CLI would and returns the exit code and what reached stderr. */
function report(error: unknown, env: NodeJS.ProcessEnv = {}): { code: number; stderr: string } {
  const stderr = new PassThrough();
  let text = "";
  stderr.on("data", (chunk) => (text += chunk));
  const code = reportError(error, { stdout: new PassThrough(), stderr, env });
  return { code, stderr: text };
}

const STACK_FRAME = /^\s+at /m;

describe("reportError", () => {
  it("shows a library option error with its flag and exits 2", () => {
    expect(report(new OptionError("maxTeacherTokens", "must be a positive integer, got 0"))).toEqual({
      code: EXIT_USAGE,
      stderr: "gapfill: --max-teacher-tokens must be a positive integer, got 0\n",
    });
    expect(report(new OptionError("maxLinesPerFile", "must be a positive integer, got -1")).stderr).toBe("gapfill: --max-lines must be a positive integer, got -1\n");
  });

  it("exits 2 for a usage error, with its message as written", () => {
    expect(report(new UsageError("--run DIR is required", "--run"))).toEqual({ code: EXIT_USAGE, stderr: "gapfill: --run DIR is required\n" });
  });

  it("exits 1 for other user-fixable errors, one line without a stack", () => {
    expect(report(new TooFewRowsError("PCA to 2 dims", 2, 3))).toEqual({ code: EXIT_FAILURE, stderr: "gapfill: PCA to 2 dims needs at least 3 rows, got 2\n" });
    const input = report(new InputError("invalid-json", "d.jsonl:3: invalid JSON", { file: "d.jsonl", line: 3 }));
    expect([input.code, input.stderr]).toEqual([EXIT_FAILURE, "gapfill: d.jsonl:3: invalid JSON\n"]);
    expect(report(new GapfillError("engine-check-failed", "2 check(s) failed")).code).toBe(EXIT_FAILURE);
  });

  it("adds the stack of a GapfillError only under GAPFILL_DEBUG", () => {
    const error = new GapfillError("x", "boom");
    expect(report(error).stderr).not.toMatch(STACK_FRAME);
    expect(report(error, { GAPFILL_DEBUG: "1" }).stderr).toMatch(STACK_FRAME);
  });

  it("calls anything else a bug, with its stack", () => {
    const { code, stderr } = report(new RangeError("index 7 out of range"));
    expect(code).toBe(EXIT_FAILURE);
    expect(stderr.split("\n")[0]).toBe("gapfill: unexpected error (a bug in gapfill): index 7 out of range");
    expect(stderr).toMatch(STACK_FRAME);
  });
});
