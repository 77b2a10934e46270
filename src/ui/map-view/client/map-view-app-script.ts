/**
 * Browser code (plain JS, shipped inline): the map view itself. It wires the data source, the
 * spatial index, the renderer and the layers to the page: pan (drag), zoom (wheel, pinch, buttons),
 * hover tooltip, click (a point, or a sparse window and its points), lasso (Shift+drag or the lasso
 * button), search, colour by field, and the table of the selection. Drawing happens once per
 * animation frame, only when something changed.
 *
 * It exposes `window.gapfillMap` for tests and the benchmark: `ready` (a Promise), `frames`,
 * `firstFrameMs`, `renderer`, `toScreen(point)`, `dataToScreen(x, y)`, `selection()`, `hoverAt(x, y)`.
 */
export const MAP_VIEW_APP_SCRIPT = String.raw`
(function () {
  var config = JSON.parse(document.getElementById("gapfill-data").textContent);
  var api = window.gapfillMap = { frames: 0, firstFrameMs: null };
  var $ = function (id) { return document.getElementById(id); };
  var loading = config.mode === "static" ? Promise.resolve(createInlineSource(config)) : createServedSource(config.run);
  api.ready = loading.then(start).catch(function (error) { $("status").textContent = "could not load the map: " + error.message; throw error; });

  function start(source) {
    var meta = source.meta, xy = source.xy, count = meta.points;
    var stack = $("map"), pointsCanvas = $("points"), under = $("under").getContext("2d"), over = $("over").getContext("2d");
    var index = buildPointIndex(xy, count);
    var renderer = createPointRenderer(pointsCanvas, xy, count);
    api.renderer = renderer.kind;
    var generatedAt = {};
    meta.generated.forEach(function (g) { if (g.point >= 0) generatedAt[g.point] = g; });
    var state = { layers: { density: true, windows: true, pairs: true }, hover: -1, lasso: null, selectedWindow: -1, focusGenerated: null,
      pointAt: function (i) { return [xy[2 * i], xy[2 * i + 1]]; } };
    var baseColors = new Uint8Array(4 * count), selected = null, selectedList = [], focusPoint = -1, dirty = false;
    var view = fit();

    function size() { var r = pointsCanvas.getBoundingClientRect(); return { w: r.width, h: r.height, dpr: window.devicePixelRatio || 1 }; }
    function fit() {
      var s = size(), g = meta.grid, w = g.nx * g.cellWidth, h = g.ny * g.cellHeight;
      return { cx: g.x0 + w / 2, cy: g.y0 + h / 2, scale: 0.92 * Math.min(s.w / (w || 1), s.h / (h || 1)) };
    }
    // Hover, focus and lasso change only the top layer: they redraw it alone, not the points under it.
    var pointsDirty = true;
    function request(overlayOnly) { if (!overlayOnly) pointsDirty = true; if (!dirty) { dirty = true; requestAnimationFrame(frame); } }
    function frame() {
      dirty = false;
      var s = size(), started = performance.now();
      if (pointsDirty) {
        pointsDirty = false;
        drawDensity(under, meta, view, s.w, s.h, s.dpr, state.layers.density);
        // Points grow a little when zoomed in, so a dense cluster opens up instead of staying a blot.
        var base = count > 100000 ? 2 : count > 20000 ? 3 : 4;
        renderer.draw(view, s.w, s.h, s.dpr, Math.min(12, base * Math.max(1, Math.sqrt(view.scale / fitScale))));
      }
      drawLayers(over, meta, view, s.w, s.h, s.dpr, state);
      api.lastFrameMs = performance.now() - started;
      api.frames++;
      if (api.firstFrameMs === null) api.firstFrameMs = performance.now();
      stack.setAttribute("data-frames", String(api.frames));
    }
    var fitScale = view.scale;

    function applyColors() {
      var colors = baseColors;
      if (selected) {
        colors = baseColors.slice();
        for (var i = 0; i < count; i++) if (!selected[i]) colors[4 * i + 3] = Math.min(colors[4 * i + 3], 28);
      }
      renderer.setColors(colors); request();
    }
    function colorBy(field) {
      return source.colors(field).then(function (values) {
        baseColors = colorsFor(values, count); applyColors();
        var legend = $("legend"); legend.textContent = "";
        legendEntries(values).forEach(function (entry) {
          var li = document.createElement("li"), sw = document.createElement("i"); sw.style.background = entry.color;
          li.appendChild(sw); li.appendChild(document.createTextNode(entry.label)); legend.appendChild(li);
        });
        $("legend-note").textContent = values.note || "";
      });
    }

    function select(points, label, windowRank) {
      selectedList = points; state.selectedWindow = windowRank === undefined ? -1 : windowRank;
      selected = points === null ? null : new Uint8Array(count);
      if (selected) points.forEach(function (p) { selected[p] = 1; });
      $("selection-title").textContent = points === null ? "Nothing selected" : label + ": " + points.length + " point" + (points.length === 1 ? "" : "s") + (points.length > TABLE_LIMIT ? " (first " + TABLE_LIMIT + " listed)" : "");
      applyColors(); showTable();
    }
    function showTable() {
      var list = selectedList || [];
      var items = list.slice(0, TABLE_LIMIT).map(function (p) { return describePoint(source, p, generatedAt); });
      fillTable($("selection").querySelector("tbody"), items, focusPoint);
      var rows = items.filter(function (it) { return it.row !== undefined && it.question === undefined; }).map(function (it) { return it.row; });
      if (rows.length) source.texts(rows).then(function () { if (list === selectedList) fillTable($("selection").querySelector("tbody"), list.slice(0, TABLE_LIMIT).map(function (p) { return describePoint(source, p, generatedAt); }), focusPoint); });
    }
    function focus(point) {
      focusPoint = point; state.focusGenerated = generatedAt[point] || null; request(true);
      var row = $("selection").querySelector('tr[data-point="' + point + '"]');
      Array.prototype.forEach.call($("selection").querySelectorAll("tr.focus"), function (tr) { tr.className = ""; });
      if (row) { row.className = "focus"; row.scrollIntoView({ block: "nearest" }); }
    }

    var tooltip = $("tooltip");
    function pick(sx, sy) { var d = toData(view, size().w, size().h, sx, sy); return nearestPoint(index, d[0], d[1], 7 / view.scale); }
    function hoverAt(sx, sy) {
      var hit = pick(sx, sy);
      if (hit !== state.hover) { state.hover = hit; state.focusGenerated = hit >= 0 && generatedAt[hit] ? generatedAt[hit] : generatedAt[focusPoint] || null; request(true); }
      if (hit < 0) { tooltip.hidden = true; return hit; }
      var item = describePoint(source, hit, generatedAt);
      fillTooltip(tooltip, item);
      tooltip.setAttribute("data-point", String(hit));
      tooltip.style.left = Math.min(sx + 14, size().w - 330) + "px"; tooltip.style.top = (sy + 14) + "px"; tooltip.hidden = false;
      if (item.question === undefined && item.row >= 0) source.texts([item.row]).then(function () { if (state.hover === hit) fillTooltip(tooltip, describePoint(source, hit, generatedAt)); });
      return hit;
    }
    api.hoverAt = hoverAt;
    api.redraw = function () { pointsDirty = true; frame(); };

    function clickAt(sx, sy) {
      var hit = pick(sx, sy);
      if (hit >= 0) { select([hit], generatedAt[hit] ? "generated example" : "point"); focus(hit); return; }
      var d = toData(view, size().w, size().h, sx, sy);
      if (state.layers.windows) {
        for (var k = 0; k < meta.windows.length; k++) {
          var w = meta.windows[k];
          if (d[0] >= w.min[0] && d[0] < w.max[0] && d[1] >= w.min[1] && d[1] < w.max[1]) { selectWindow(w); return; }
        }
      }
      focus(-1); select(null);
    }
    function selectWindow(w) {
      // The window's own points: dataset rows inside it, as the grid counted them (half-open bounds).
      var inside = pointsInRect(index, w.min[0], w.min[1], w.max[0], w.max[1]).filter(function (p) { return p < meta.rows; });
      select(inside, "sparse window #" + w.rank, w.rank);
    }

    // Pointer handling: one pointer drags (pan) or draws (lasso); two pinch.
    var pointers = {}, drag = null, pinch = null, lassoMode = false;
    stack.addEventListener("pointerdown", function (e) {
      // Capture keeps a drag going outside the map; a pointer the browser does not track (synthetic) cannot be captured.
      try { stack.setPointerCapture(e.pointerId); } catch (error) { /* not capturable: the drag ends at the map's edge */ }
      var r = pointsCanvas.getBoundingClientRect(), p = [e.clientX - r.left, e.clientY - r.top];
      pointers[e.pointerId] = p;
      var ids = Object.keys(pointers);
      if (ids.length === 2) { var a = pointers[ids[0]], b = pointers[ids[1]]; pinch = { d: Math.hypot(a[0] - b[0], a[1] - b[1]), scale: view.scale }; drag = null; state.lasso = null; return; }
      if (lassoMode || e.shiftKey) { state.lasso = [toData(view, r.width, r.height, p[0], p[1])]; drag = { lasso: true }; }
      else drag = { x: p[0], y: p[1], cx: view.cx, cy: view.cy, moved: false };
    });
    stack.addEventListener("pointermove", function (e) {
      var r = pointsCanvas.getBoundingClientRect(), p = [e.clientX - r.left, e.clientY - r.top];
      if (pointers[e.pointerId]) pointers[e.pointerId] = p;
      var ids = Object.keys(pointers);
      if (pinch && ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]], mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
        zoomAt(mid[0], mid[1], (pinch.scale * Math.hypot(a[0] - b[0], a[1] - b[1])) / (pinch.d || 1) / view.scale); return;
      }
      if (drag && drag.lasso) { state.lasso.push(toData(view, r.width, r.height, p[0], p[1])); request(true); return; }
      if (drag) {
        if (Math.abs(p[0] - drag.x) + Math.abs(p[1] - drag.y) > 3) drag.moved = true;
        if (drag.moved) { view.cx = drag.cx - (p[0] - drag.x) / view.scale; view.cy = drag.cy + (p[1] - drag.y) / view.scale; tooltip.hidden = true; request(); }
        return;
      }
      hoverAt(p[0], p[1]);
    });
    function release(e) {
      var r = pointsCanvas.getBoundingClientRect(), p = [e.clientX - r.left, e.clientY - r.top];
      delete pointers[e.pointerId];
      if (pinch) { if (Object.keys(pointers).length < 2) pinch = null; return; }
      if (drag && drag.lasso) {
        var polygon = state.lasso; state.lasso = null;
        select(pointsInPolygon(index, polygon), "lasso");
      } else if (drag && !drag.moved && e.type === "pointerup") clickAt(p[0], p[1]);
      drag = null;
    }
    stack.addEventListener("pointerup", release);
    stack.addEventListener("pointercancel", release);
    stack.addEventListener("pointerleave", function () { if (!drag) { tooltip.hidden = true; if (state.hover >= 0) { state.hover = -1; request(true); } } });
    function zoomAt(sx, sy, factor) {
      var s = size(), before = toData(view, s.w, s.h, sx, sy);
      view.scale = Math.max(fitScale / 4, Math.min(fitScale * 20000, view.scale * factor));
      var after = toData(view, s.w, s.h, sx, sy);
      view.cx += before[0] - after[0]; view.cy += before[1] - after[1]; request();
    }
    stack.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = pointsCanvas.getBoundingClientRect();
      // A trackpad pinch arrives as a wheel event with ctrlKey: it needs a stronger factor.
      zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)));
    }, { passive: false });
    $("zoom-in").addEventListener("click", function () { var s = size(); zoomAt(s.w / 2, s.h / 2, 1.6); });
    $("zoom-out").addEventListener("click", function () { var s = size(); zoomAt(s.w / 2, s.h / 2, 1 / 1.6); });
    $("reset").addEventListener("click", function () { view = fit(); request(); });
    $("lasso").addEventListener("click", function () { lassoMode = !lassoMode; $("lasso").setAttribute("aria-pressed", String(lassoMode)); });
    ["density", "windows", "pairs"].forEach(function (name) {
      $("layer-" + name).addEventListener("change", function (e) { state.layers[name] = e.target.checked; request(); });
    });
    $("color-by").textContent = "";
    meta.fields.forEach(function (f) { var o = document.createElement("option"); o.value = f.name; o.textContent = f.label; $("color-by").appendChild(o); });
    $("color-by").addEventListener("change", function (e) { colorBy(e.target.value); });
    $("search-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var query = $("search").value;
      if (!query.trim()) { select(null); return; }
      source.search(query).then(function (found) {
        var needle = query.trim().toLowerCase(), points = [];
        found.indices.forEach(function (row) { var p = source.pointOfRow(row); if (p >= 0) points.push(p); });
        meta.generated.forEach(function (g) { if (g.point >= 0 && (g.question + "\n" + g.answer).toLowerCase().indexOf(needle) !== -1) points.push(g.point); });
        select(points, "search \u201c" + query + "\u201d");
      });
    });
    $("selection").addEventListener("click", function (e) {
      var tr = e.target.closest("tr[data-point]"); if (tr) focus(Number(tr.getAttribute("data-point")));
    });
    new ResizeObserver(function () { request(); }).observe(stack);

    api.toScreen = function (point) { var s = size(); return toScreen(view, s.w, s.h, xy[2 * point], xy[2 * point + 1]); };
    api.dataToScreen = function (x, y) { var s = size(); return toScreen(view, s.w, s.h, x, y); };
    api.view = function () { return { cx: view.cx, cy: view.cy, scale: view.scale }; };
    api.selection = function () { return (selectedList || []).slice(); };
    api.meta = meta;
    // Notes found while loading (a dataset gone or changed, a 3-D map shown flat), above the map.
    meta.notes.forEach(function (note) {
      var p = document.createElement("p"); p.className = "banner"; p.textContent = note;
      $("status").parentNode.insertBefore(p, $("status"));
    });
    $("status").textContent = count + " points" + (meta.generated.length ? " (" + meta.generated.length + " generated)" : "") + ", drawn with " + (renderer.kind === "webgl" ? "WebGL" : "Canvas2D (no WebGL here)");
    return colorBy(meta.fields[0].name).then(function () { select(null); request(); return api; });
  }
})();
`;
