import type { Example } from "../../core/example.js";
import { OptionError } from "../../core/errors.js";
import { readAll, type ReadOptions } from "../../data/read-dataset.js";
import { type EvalTemplate, loadEvalTemplate, type PromptStyle } from "./eval-prompt.js";

/** Where an evaluation's items, worked examples and prompt come from. */
export interface BenchmarkSource {
  /** The benchmark: questions with reference solutions (.jsonl, .json, .csv, .parquet). */
  benchmark: string;
  /** Field mapping and lenience for reading the benchmark. */
  readOptions?: ReadOptions;
  /** Evaluate only the first `limit` items. */
  limit?: number;
  /** How the student is asked. Default "completion". */
  style?: PromptStyle;
  /** The user's own question template (`{{question}}`, optional `{{shots}}`); default the package's for `style`. */
  templateFile?: string;
  /** Worked examples put before every question: the first `shots` rows of `shotsFile`. Default 0. */
  shots?: number;
  shotsFile?: string;
}

/** A benchmark read and ready to evaluate. */
export interface LoadedBenchmark {
  benchmark: string;
  items: Example[];
  shots: Example[];
  style: PromptStyle;
  template: EvalTemplate;
}

/** Checks the source's options before anything is read or a run is opened. */
export function checkBenchmarkSource(source: BenchmarkSource): void {
  const shots = source.shots ?? 0;
  if (!Number.isInteger(shots) || shots < 0) throw new OptionError("shots", `must be a whole number, got ${shots}`);
  if (shots > 0 && !source.shotsFile) throw new OptionError("shots", `${shots} needs shotsFile to take the examples from`, { relatedOptions: ["shotsFile"] });
  if (source.limit !== undefined && (!Number.isInteger(source.limit) || source.limit < 1)) throw new OptionError("limit", `must be a positive integer, got ${source.limit}`);
}

/**
 * Reads what an evaluation needs from files: the benchmark's items (the first `limit`), the
 * worked examples and the question template. Nothing here touches a run or an engine, so a bad
 * file is reported before either is opened.
 */
export async function loadBenchmark(source: BenchmarkSource): Promise<LoadedBenchmark> {
  checkBenchmarkSource(source);
  const style = source.style ?? "completion";
  const template = loadEvalTemplate(style, source.templateFile);
  const { examples } = await readAll(source.benchmark, source.readOptions);
  const items = source.limit === undefined ? examples : examples.slice(0, source.limit);
  const shotCount = source.shots ?? 0;
  const shots = shotCount > 0 ? (await readAll(source.shotsFile!)).examples.slice(0, shotCount) : [];
  if (shots.length < shotCount) throw new OptionError("shots", `${shotCount}: ${source.shotsFile} has only ${shots.length} examples`);
  return { benchmark: source.benchmark, items, shots, style, template };
}
