import { escapeHtml } from "../html.js";
import { renderPage } from "../page.js";
import { COLOR_SCALE_SCRIPT } from "./client/color-scale-script.js";
import { DATA_SOURCE_SCRIPT } from "./client/data-source-script.js";
import { MAP_LAYERS_SCRIPT } from "./client/map-layers-script.js";
import { MAP_VIEW_APP_SCRIPT } from "./client/map-view-app-script.js";
import { POINT_RENDERER_SCRIPT } from "./client/point-renderer-script.js";
import { SELECTION_TABLE_SCRIPT } from "./client/selection-table-script.js";
import { SPATIAL_INDEX_SCRIPT } from "./client/spatial-index-script.js";

/** What the page starts from: a run to fetch from the server, or its data inline (a static file). */
export type MapViewPageConfig = { mode: "served"; run: string } | ({ mode: "static" } & Record<string, unknown>);

const CSS = `
  body { margin: 16px; }
  #toolbar { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 8px 0; }
  #toolbar button[aria-pressed="true"] { background: #1c7ed6; color: #fff; }
  #layout { display: flex; gap: 12px; align-items: flex-start; }
  #map { position: relative; flex: 1; height: 68vh; min-height: 360px; background: #fff; border: 1px solid #d8dde6; border-radius: 6px; overflow: hidden; touch-action: none; cursor: crosshair; }
  #map canvas { position: absolute; inset: 0; width: 100%; height: 100%; border: 0; border-radius: 0; background: transparent; }
  #tooltip { position: absolute; max-width: 320px; background: rgba(255,255,255,0.97); border: 1px solid #adb5bd; border-radius: 6px; padding: 6px 8px; font-size: 12px; pointer-events: none; white-space: pre-wrap; box-shadow: 0 2px 8px rgba(0,0,0,0.12); }
  #tooltip .partial { color: #7048e8; margin-top: 4px; }
  #side { width: 220px; font-size: 13px; }
  #legend { list-style: none; padding: 0; margin: 4px 0; } #legend li { margin: 2px 0; } #legend i { display: inline-block; width: 11px; height: 11px; border-radius: 6px; margin-right: 6px; vertical-align: -1px; }
  #selection { width: 100%; margin-top: 8px; font-size: 13px; } #selection td.text { white-space: pre-wrap; max-width: 420px; }
  #selection tr.focus { background: #f3f0ff; } #selection tbody tr { cursor: pointer; }
  .note { color: #5c5f66; font-size: 13px; }`;

/** The map view page: the same markup and script served live and written as a static file. */
export function renderMapViewPage(title: string, notes: readonly string[], config: MapViewPageConfig): string {
  return renderPage({
    title,
    css: CSS,
    body: `<h1>${escapeHtml(title)}</h1>
${notes.map((note) => `<p class="banner">${escapeHtml(note)}</p>`).join("\n")}
<p class="note" id="status">loading the map…</p>
<form id="toolbar" onsubmit="return false">
<label>colour by <select id="color-by"></select></label>
<label><input type="checkbox" id="layer-density" checked> density</label>
<label><input type="checkbox" id="layer-windows" checked> sparse windows</label>
<label><input type="checkbox" id="layer-pairs" checked> seed pairs and targets</label>
<button type="button" id="lasso" aria-pressed="false" title="or Shift+drag">lasso</button>
<button type="button" id="zoom-in">+</button><button type="button" id="zoom-out">−</button><button type="button" id="reset">reset view</button>
</form>
<form id="search-form"><input id="search" type="search" placeholder="search texts" size="30"> <button type="submit">search</button></form>
<div id="layout">
<div id="map"><canvas id="under"></canvas><canvas id="points"></canvas><canvas id="over"></canvas><div id="tooltip" hidden></div></div>
<div id="side"><b>Legend</b><ul id="legend"></ul><p class="note" id="legend-note"></p>
<p class="note">Drag to pan, wheel or pinch to zoom, click a point or a sparse window, Shift+drag to lasso. Purple lines join a generated example to its seeds; the magenta cross is its target.</p></div>
</div>
<h2 id="selection-title">Nothing selected</h2>
<table id="selection"><thead><tr><th>source</th><th>id</th><th>question</th><th>answer</th><th>provenance</th></tr></thead><tbody></tbody></table>`,
    data: config,
    script: [SPATIAL_INDEX_SCRIPT, POINT_RENDERER_SCRIPT, MAP_LAYERS_SCRIPT, COLOR_SCALE_SCRIPT, DATA_SOURCE_SCRIPT, SELECTION_TABLE_SCRIPT, MAP_VIEW_APP_SCRIPT].join("\n"),
  });
}
