import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.js";
import { getStrategy, listStrategies } from "../../strategies/registry.js";
import type { AnyStrategy, StrategyMode } from "../../strategies/strategy.js";
import { flagForOption } from "../option-flags.js";
import { parseChoice, parseInteger } from "./parse-flags.js";

/**
 * `--strategy` and every strategy's own flags, learnt from the registry: a new strategy shows up
 * in `--help` and takes its flags without this file or the command changing.
 */
export function addStrategyOptions(command: Command, mode: StrategyMode, defaultStrategy: string): Command {
  const strategies = listStrategies(mode);
  command.option("--strategy <name>", strategies.map((strategy) => `${strategy.name} (${strategy.summary})`).join(" | "), defaultStrategy);
  const seen = new Set<string>();
  for (const strategy of strategies) {
    for (const option of strategy.options) {
      if (seen.has(option.name)) continue;
      seen.add(option.name);
      const users = strategies.filter((other) => other.options.some((own) => own.name === option.name)).map((other) => other.name);
      const description = `${option.description} [${users.join(", ")}]`;
      const flag = `${flagForOption(option.name)} <${option.argument}>`;
      if (option.default === undefined) command.option(flag, description);
      else command.option(flag, description, String(option.default));
    }
  }
  return command;
}

/** The strategy named by `--strategy`, with its own options read from the flags (files read, integers parsed, choices checked). */
export function strategyFromFlags(flags: Record<string, unknown> & { strategy: string }, mode: StrategyMode): { strategy: AnyStrategy; options: Record<string, unknown> } {
  const names = listStrategies(mode).map((strategy) => strategy.name);
  const strategy = getStrategy(parseChoice(flags.strategy, names, "--strategy"), mode);
  const options: Record<string, unknown> = {};
  for (const option of strategy.options) {
    const flag = flagForOption(option.name);
    const value = flags[option.name];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new UsageError(`${flag} takes a value`, flag);
    if (option.type === "integer") options[option.name] = parseInteger(value, flag, 1);
    else if (option.choices) options[option.name] = parseChoice(value, option.choices, flag);
    else if (option.type === "text-or-file") options[option.name] = existsSync(value) ? readFileSync(value, "utf8").trim() : value;
    else options[option.name] = value;
  }
  return { strategy, options };
}
