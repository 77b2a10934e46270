/**
 * Browser code (plain JS, shipped inline): the map's layers around the points, on two Canvas2D
 * canvases: the grid's density shading under the points, and over them the sparse windows, the
 * seed pairs with their midpoint targets, the links of the focused generated example (its two
 * seeds, its target, its window), the hovered point and the lasso being drawn.
 *
 * Defines `toScreen(view, width, height, x, y)`, `toData(view, width, height, sx, sy)`,
 * `drawDensity(ctx, meta, view, width, height, dpr)` and `drawLayers(ctx, meta, view, width, height, dpr, state)`.
 */
export const MAP_LAYERS_SCRIPT = String.raw`
function toScreen(view, width, height, x, y) { return [(x - view.cx) * view.scale + width / 2, height / 2 - (y - view.cy) * view.scale]; }
function toData(view, width, height, sx, sy) { return [(sx - width / 2) / view.scale + view.cx, view.cy - (sy - height / 2) / view.scale]; }

function sizeCanvas(canvas, ctx, width, height, dpr) {
  var w = Math.max(1, Math.round(width * dpr)), h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0); ctx.clearRect(0, 0, width, height);
}

function drawDensity(ctx, meta, view, width, height, dpr, show) {
  sizeCanvas(ctx.canvas, ctx, width, height, dpr);
  if (!show) return;
  var g = meta.grid, max = 0, i;
  for (i = 0; i < g.counts.length; i++) if (g.counts[i] > max) max = g.counts[i];
  var sparse = {}; meta.sparseCells.forEach(function (c) { sparse[c] = true; });
  var scale = Math.log(1 + max) || 1;
  for (var iy = 0; iy < g.ny; iy++) for (var ix = 0; ix < g.nx; ix++) {
    var c = ix + g.nx * iy, n = g.counts[c];
    var a = toScreen(view, width, height, g.x0 + ix * g.cellWidth, g.y0 + (iy + 1) * g.cellHeight);
    var b = toScreen(view, width, height, g.x0 + (ix + 1) * g.cellWidth, g.y0 + iy * g.cellHeight);
    if (b[0] < 0 || b[1] < 0 || a[0] > width || a[1] > height) continue;
    if (n > 0) { ctx.fillStyle = "rgba(28,126,214," + (0.04 + 0.3 * Math.log(1 + n) / scale).toFixed(3) + ")"; ctx.fillRect(a[0], a[1], b[0] - a[0], b[1] - a[1]); }
    if (sparse[c]) { ctx.fillStyle = "rgba(253,126,20,0.14)"; ctx.fillRect(a[0], a[1], b[0] - a[0], b[1] - a[1]); }
  }
}

function drawLayers(ctx, meta, view, width, height, dpr, state) {
  sizeCanvas(ctx.canvas, ctx, width, height, dpr);
  var at = function (p) { return toScreen(view, width, height, p[0], p[1]); };
  function cross(p, r, color) {
    var s = at(p); ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
    ctx.moveTo(s[0] - r, s[1] - r); ctx.lineTo(s[0] + r, s[1] + r); ctx.moveTo(s[0] - r, s[1] + r); ctx.lineTo(s[0] + r, s[1] - r); ctx.stroke();
  }
  function box(window, color, widthPx, dash) {
    var a = at([window.min[0], window.max[1]]), b = at([window.max[0], window.min[1]]);
    ctx.strokeStyle = color; ctx.lineWidth = widthPx; ctx.setLineDash(dash); ctx.strokeRect(a[0], a[1], b[0] - a[0], b[1] - a[1]); ctx.setLineDash([]);
    return a;
  }
  if (state.layers.windows) {
    ctx.font = "11px system-ui, sans-serif"; ctx.fillStyle = "#d9480f";
    meta.windows.forEach(function (w) {
      var a = box(w, w.rank === state.selectedWindow ? "#c2255c" : "#e8590c", w.rank === state.selectedWindow ? 2.5 : 1.2, w.rank === state.selectedWindow ? [] : [4, 3]);
      ctx.fillText("#" + w.rank, a[0] + 2, a[1] + 11);
    });
  }
  if (state.layers.pairs) {
    meta.pairs.forEach(function (p) {
      var a = at(p.ends[0]), b = at(p.ends[1]);
      ctx.strokeStyle = "rgba(73,80,87,0.55)"; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
      cross(p.midpoint, 3.5, "#c92a2a");
    });
  }
  var focus = state.focusGenerated;
  if (focus) {
    if (focus.window !== null && meta.windows[focus.window]) box(meta.windows[focus.window], "#c2255c", 2.5, []);
    var from = focus.point >= 0 ? state.pointAt(focus.point) : null;
    focus.seedPoints.forEach(function (seed) {
      if (!seed || !from) return;
      var a = at(from), b = at(seed);
      ctx.strokeStyle = "#7048e8"; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
      ctx.beginPath(); ctx.arc(b[0], b[1], 5, 0, 2 * Math.PI); ctx.stroke();
    });
    if (focus.midpoint) {
      cross(focus.midpoint, 6, "#c2255c");
      if (from) { var m = at(focus.midpoint), f = at(from); ctx.setLineDash([5, 4]); ctx.strokeStyle = "#c2255c"; ctx.beginPath(); ctx.moveTo(f[0], f[1]); ctx.lineTo(m[0], m[1]); ctx.stroke(); ctx.setLineDash([]); }
    }
  }
  if (state.hover >= 0) {
    var h = at(state.pointAt(state.hover));
    ctx.strokeStyle = "#111"; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(h[0], h[1], 6, 0, 2 * Math.PI); ctx.stroke();
  }
  if (state.lasso && state.lasso.length > 1) {
    ctx.strokeStyle = "#1c7ed6"; ctx.fillStyle = "rgba(28,126,214,0.08)"; ctx.lineWidth = 1.5; ctx.beginPath();
    state.lasso.forEach(function (p, i) { var s = at(p); if (i === 0) ctx.moveTo(s[0], s[1]); else ctx.lineTo(s[0], s[1]); });
    ctx.closePath(); ctx.fill(); ctx.stroke();
  }
}
`;
