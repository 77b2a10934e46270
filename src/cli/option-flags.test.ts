import { describe, expect, it } from "vitest";
import { GapfillError, InputError, OptionError } from "../core/errors.js";
import { FailureRateError } from "../pipeline/failure-budget.js";
import { cliMessage, flagForOption } from "./option-flags.js";

describe("flagForOption", () => {
  it("turns a camelCase library option into its kebab-case flag", () => {
    expect(flagForOption("budget")).toBe("--budget");
    expect(flagForOption("maxTeacherTokens")).toBe("--max-teacher-tokens");
    expect(flagForOption("perRound")).toBe("--per-round");
  });

  it("uses the override where the flag's name differs", () => {
    expect(flagForOption("maxLinesPerFile")).toBe("--max-lines");
  });

  it("leaves a name that is already a flag or an argument alone", () => {
    expect(flagForOption("--student")).toBe("--student");
    expect(flagForOption("spec")).toBe("<spec>");
  });
});

describe("cliMessage", () => {
  it("leads an option error with its flag, and maps the options its detail names", () => {
    const error = new OptionError("strategy", "s3 needs validation (a small real validation set)", { relatedOptions: ["validation"] });
    expect(error.message).toBe("strategy s3 needs validation (a small real validation set)");
    expect(cliMessage(error)).toBe("--strategy s3 needs --validation (a small real validation set)");
  });

  it("maps only whole words of an input error's related options, not paths or longer names", () => {
    const error = new InputError("no-fields", "rows/questionField.jsonl: name it with questionField (questionFields is not one)", {
      relatedOptions: ["questionField"],
    });
    expect(cliMessage(error)).toBe("rows/questionField.jsonl: name it with --question-field (questionFields is not one)");
  });

  it("does not take a file named like the option for the option", () => {
    const error = new InputError("invalid-json", "format.json:2: invalid JSON; it looks like JSON Lines: set format to jsonl", { relatedOptions: ["format"] });
    expect(cliMessage(error)).toBe("format.json:2: invalid JSON; it looks like JSON Lines: set --format to jsonl");
  });

  it("shows the option another error names (a failure-rate stop) as its flag, every mention", () => {
    const error = new FailureRateError("generate", 5, 10, 0.2, "HTTP 500");
    expect(cliMessage(error)).toMatch(/above --max-failure-rate 0\.2\)[\s\S]*raise --max-failure-rate$/);
    expect(cliMessage(error)).not.toContain("maxFailureRate");
  });

  it("leaves other errors' messages alone", () => {
    expect(cliMessage(new GapfillError("x", "budget is gone"))).toBe("budget is gone");
  });
});
