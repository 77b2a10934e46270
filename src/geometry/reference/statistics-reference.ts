import { readFileSync } from "node:fs";

/** The SciPy reference numbers printed by statistics-reference.py (committed; CI does not need SciPy). */
export interface StatisticsReference {
  scipy: string;
  correlations: Array<{ name: string; x: number[]; y: number[]; pearson: [number, number]; spearman: [number, number]; fit: [number, number] }>;
  betainc: Array<[number, number, number, number]>;
  gammaincc: Array<[number, number, number]>;
  tTwoSided: Array<[number, number, number]>;
  wilson: Array<[number, number, number, number]>;
  mcnemar: Array<[number, number, number, number, number]>;
}

export function loadStatisticsReference(): StatisticsReference {
  return JSON.parse(readFileSync(new URL("./statistics-reference.json", import.meta.url), "utf8")) as StatisticsReference;
}
