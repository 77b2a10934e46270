import { describe, expect, it } from "vitest";
import { EngineCallError, GapfillError, InputError, OptionError, TooFewRowsError, UsageError } from "./errors.js";

describe("error classes", () => {
  it("an option error names the library option, is user-fixable and has a stable code", () => {
    const error = new OptionError("budget", "must be a positive integer, got 0");
    expect(error).toBeInstanceOf(GapfillError);
    expect(error.name).toBe("OptionError");
    expect(error.code).toBe("invalid-option");
    expect(error.option).toBe("budget");
    expect(error.message).toBe("budget must be a positive integer, got 0");
    expect(error.userFixable).toBe(true);
    expect(error.retryable).toBe(false);
    expect(new OptionError("threshold", "must be ≥ 1", { code: "threshold-range" }).code).toBe("threshold-range");
  });

  it("an input error carries the file, line and field at fault", () => {
    const error = new InputError("invalid-json", "data.jsonl:3: invalid JSON", { file: "data.jsonl", line: 3, field: "question" });
    expect([error.code, error.file, error.line, error.field, error.userFixable]).toEqual(["invalid-json", "data.jsonl", 3, "question", true]);
    expect(error.relatedOptions).toEqual([]);
  });

  it("too few rows is an input error saying how many were needed", () => {
    const error = new TooFewRowsError("pca to 2 dims", 1, 2);
    expect(error).toBeInstanceOf(InputError);
    expect(error.code).toBe("too-few-rows");
    expect([error.needed, error.got]).toEqual([2, 1]);
    expect(error.message).toBe("pca to 2 dims needs at least 2 rows, got 1");
  });

  it("a usage error is the CLI's: it names a flag", () => {
    const error = new UsageError("--run DIR is required", "--run");
    expect([error.code, error.flag, error.userFixable]).toEqual(["usage", "--run", true]);
  });

  it("an engine call error is retryable only when the server says so", () => {
    expect(new EngineCallError("503", { endpoint: "http://127.0.0.1:1/v1", statusCode: 503, retryable: true }).retryable).toBe(true);
    expect(new EngineCallError("400", { endpoint: "http://127.0.0.1:1/v1", statusCode: 400, retryable: false }).userFixable).toBe(false);
  });
});
