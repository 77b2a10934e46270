import { escapeHtml, jsonForScript } from "./html.js";

/** The look every report shares; a page adds its own rules after these. */
const BASE_CSS = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
  .banner { background: #fff4d6; border: 1px solid #e8c66a; padding: 8px 12px; border-radius: 6px; }
  canvas, svg { background: #fff; border: 1px solid #d8dde6; border-radius: 6px; }
  table { border-collapse: collapse; background: #fff; }
  th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #e6e9ef; vertical-align: top; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }`;

export interface PageParts {
  title: string;
  /** Rules added after the shared ones. */
  css?: string;
  /** The page's HTML, already escaped where it carries data. */
  body: string;
  /** Embedded as JSON in `#gapfill-data` (safe against `</script>`), read by `script`. */
  data?: unknown;
  /** Inline drawing code: pages open from disk, with no network. */
  script?: string;
}

/** A self-contained report page: styles, data and script inline. */
export function renderPage(parts: PageParts): string {
  const data = parts.data === undefined ? "" : `<script type="application/json" id="gapfill-data">${jsonForScript(parts.data)}</script>\n`;
  const script = parts.script ? `<script>${parts.script}</script>\n` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<style>${BASE_CSS}${parts.css ?? ""}
</style>
</head>
<body>
${parts.body}
${data}${script}</body>
</html>
`;
}
