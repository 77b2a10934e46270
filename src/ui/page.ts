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

/**
 * Every page's canvases are drawn at the screen's pixel density: `sharpCanvas(canvas)` keeps the
 * canvas's CSS size, multiplies its backing store by devicePixelRatio and returns a context that
 * draws in CSS pixels, with the CSS width and height (idempotent: a redraw gets the same sizes).
 */
const SHARP_CANVAS = `function sharpCanvas(canvas) {
  var ratio = window.devicePixelRatio || 1, size = canvas.getAttribute("data-css-size"), w, h;
  if (size) { w = +size.split("x")[0]; h = +size.split("x")[1]; }
  else {
    w = canvas.width; h = canvas.height; canvas.setAttribute("data-css-size", w + "x" + h);
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
    canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
  }
  var ctx = canvas.getContext("2d"); ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx: ctx, W: w, H: h };
}
`;

/** A self-contained report page: styles, data and script inline. */
export function renderPage(parts: PageParts): string {
  const data = parts.data === undefined ? "" : `<script type="application/json" id="gapfill-data">${jsonForScript(parts.data)}</script>\n`;
  const script = parts.script ? `<script>${SHARP_CANVAS}${parts.script}</script>\n` : "";
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
