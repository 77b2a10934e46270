import { existsSync } from "node:fs";
import { join } from "node:path";
import { atomicWriteFile } from "../store/atomic-write.js";
import { escapeHtml } from "./html.js";
import { renderPage } from "./page.js";

/**
 * One page per stage in a run directory, so no stage overwrites another's: the map's report, its
 * interactive view, generate's comparison, eval's items and the loop's rounds; `index.html` links
 * whichever exist. Each is self-contained and opens from file://.
 */
export const RUN_PAGES = [
  { file: "map.html", title: "map", what: "the map: grid density, sparse windows, seed pairs, warnings" },
  { file: "map-view.html", title: "map view", what: "the map to explore: pan, zoom, hover, select, search (a sample of points)" },
  { file: "generate.html", title: "generate", what: "the strategies side by side: where their examples landed, what they cost" },
  { file: "eval.html", title: "eval", what: "the student's answers, accuracy, and density against accuracy" },
  { file: "loop.html", title: "loop", what: "the closed loop round by round (rewritten after every round)" },
] as const;

export type RunPage = (typeof RUN_PAGES)[number]["file"];

/** Where a stage's page goes in a run directory. */
export const runPagePath = (runDir: string, page: RunPage): string => join(runDir, page);

/** Writes `index.html`: the run's pages that exist, each with what it shows. */
export async function writeRunIndex(runDir: string): Promise<string> {
  const present = RUN_PAGES.filter((page) => existsSync(join(runDir, page.file)));
  const rows = present.map((page) => `<tr><td><a href="${page.file}">${escapeHtml(page.title)}</a></td><td>${escapeHtml(page.what)}</td></tr>`).join("\n");
  const html = renderPage({
    title: `gapfill run — ${runDir}`,
    body: `<h1>gapfill run</h1>\n<p>${escapeHtml(runDir)}</p>\n<table id="pages"><tr><th>page</th><th>what it shows</th></tr>\n${rows}</table>`,
  });
  const path = join(runDir, "index.html");
  await atomicWriteFile(path, html);
  return path;
}
