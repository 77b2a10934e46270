import { flagForOption } from "../cli/option-flags.js";

/** A map warning as pages and the terminal show it: the message, then what to try as the flags a user types. */
export function warningText(warning: { message: string; try: ReadonlyArray<{ option: string; value: string | number }> }): string {
  if (warning.try.length === 0) return warning.message;
  return `${warning.message} Try ${warning.try.map((hint) => `${flagForOption(hint.option)} ${hint.value}`).join(", or ")}.`;
}
