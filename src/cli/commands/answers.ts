import type { Command } from "commander";
import type { AnswerCheck, BoxChoice, CheckedSide } from "../../data/answers/index.js";
import { type CliIo, writeJson } from "../cli-io.js";
import { formatPairs } from "../format-table.js";
import { parseChoice, parsePositiveNumber } from "./parse-flags.js";

interface AnswersCheckFlags {
  boxes: string;
  lastNumber?: boolean;
  tolerance?: string;
  json?: boolean;
}

const BOX_CHOICES = ["last", "first", "all"] as const satisfies readonly BoxChoice[];

/** `gapfill answers check GOLD PRED`: the verdict, and both sides as the checker read them. */
export function registerAnswers(program: Command, io: CliIo): void {
  const answers = program.command("answers").description("Look into how final answers are extracted and compared");
  answers
    .command("check")
    .description("Are two answers the same? Prints the verdict and the normalised form of each side (either may be a whole solution)")
    .argument("<gold>", "the reference answer, or a solution to take it from")
    .argument("<pred>", "the predicted answer, or a solution to take it from")
    .option("--boxes <which>", "with several \\boxed{}: last (with the boxes joined to it) | first | all", "last")
    .option("--last-number", "when a solution states no answer, take the last number of its prose")
    .option("--tolerance <r>", "relative tolerance between non-integer values (default 1e-4)")
    .option("--json", "print the check as JSON on stdout")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .action(async (gold: string, pred: string, flags: AnswersCheckFlags) => {
      const boxes = parseChoice(flags.boxes, BOX_CHOICES, "--boxes");
      const relativeTolerance = flags.tolerance === undefined ? undefined : parsePositiveNumber(flags.tolerance, "--tolerance");
      const { checkAnswers } = await import("../../data/answers/index.js");
      const check = checkAnswers(gold, pred, { boxes, lastNumberFallback: flags.lastNumber === true, relativeTolerance });
      if (flags.json) writeJson(io, check);
      else io.stdout.write(formatCheck(check));
    });
}

/** The verdict line, then for each side the answer taken, how, and its normalised form. */
export function formatCheck(check: AnswerCheck): string {
  const side = (name: string, checked: CheckedSide): Array<[string, string]> => [
    [`${name} answer`, checked.method === "whole" ? oneLine(checked.answer) : `${oneLine(checked.answer)}  (${checked.method})`],
    [`${name} normalised`, oneLine(checked.normalized)],
  ];
  return formatPairs([["verdict", check.equivalent ? "equivalent" : "different"], ...side("gold", check.gold), ...side("pred", check.pred)]);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? flat.slice(0, 199) + "…" : flat;
}
