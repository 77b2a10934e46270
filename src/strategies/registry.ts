import { OptionError } from "../core/errors.js";
import { activeStrategy } from "./active/index.js";
import { embedStrategy } from "./embed/index.js";
import { randomStrategy } from "./random/index.js";
import { s3Strategy } from "./s3/index.js";
import type { AnyStrategy, StrategyMode } from "./strategy.js";

/**
 * Every strategy gapfill knows, by name. The CLI's strategy choices and flags,
 * the pipelines and the reports all read this list: adding a strategy is its folder plus one
 * line here (or `registerStrategy` from a library user's code).
 */
const registry = new Map<string, AnyStrategy>([embedStrategy, randomStrategy, activeStrategy, s3Strategy].map((strategy) => [strategy.name, strategy]));

/** Adds a strategy (a library user's own); a name already taken is refused. Returns a function that removes it again. */
export function registerStrategy(strategy: AnyStrategy): () => void {
  if (registry.has(strategy.name)) throw new OptionError("strategy", `"${strategy.name}" is already registered`);
  registry.set(strategy.name, strategy);
  return () => {
    if (registry.get(strategy.name) === strategy) registry.delete(strategy.name);
  };
}

/** The registered strategies, in registration order; with a mode, those that run there. */
export function listStrategies(mode?: StrategyMode): AnyStrategy[] {
  return [...registry.values()].filter((strategy) => mode === undefined || strategy.modes.includes(mode));
}

/** The strategy of that name for that mode, or an error listing the ones there are. */
export function getStrategy(name: string, mode?: StrategyMode): AnyStrategy {
  const strategy = registry.get(name);
  if (strategy && (mode === undefined || strategy.modes.includes(mode))) return strategy;
  const names = listStrategies(mode).map((known) => known.name);
  const where = mode === undefined ? "" : ` for ${mode}`;
  if (strategy) throw new OptionError("strategy", `"${name}" does not run${where} (it runs in ${strategy.modes.join(", ")}); choose one of ${names.join(", ")}`);
  throw new OptionError("strategy", `"${name}" is unknown${where}; choose one of ${names.join(", ")}`);
}

/** A strategy given by name or as an object (a custom one not registered). */
export function resolveStrategy(strategy: string | AnyStrategy, mode: StrategyMode): AnyStrategy {
  if (typeof strategy !== "string") {
    if (!strategy.modes.includes(mode)) throw new OptionError("strategy", `"${strategy.name}" does not run in ${mode} (it runs in ${strategy.modes.join(", ")})`);
    return strategy;
  }
  return getStrategy(strategy, mode);
}

/** Every strategy option's default, for the named strategy, overlaid with the given values. */
export function strategyOptions(strategy: AnyStrategy, given: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const option of strategy.options) {
    const value = given[option.name] ?? option.default;
    if (value === undefined) continue;
    if (option.choices && !option.choices.includes(String(value))) {
      throw new OptionError(option.name, `must be one of ${option.choices.join(", ")}, got "${String(value)}"`);
    }
    if (option.type === "integer" && (!Number.isInteger(Number(value)) || Number(value) < 1)) {
      throw new OptionError(option.name, `must be a positive integer, got "${String(value)}"`);
    }
    options[option.name] = option.type === "integer" ? Number(value) : value;
  }
  return options;
}
