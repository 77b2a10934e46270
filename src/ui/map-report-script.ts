/**
 * The map page's drawing code, inlined into the page so it opens from disk with no network.
 * Plain browser JavaScript, kept as a string: it is never run by Node.
 */
export const MAP_REPORT_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById("gapfill-data").textContent);
  var map = document.getElementById("map"), sharp = sharpCanvas(map), ctx = sharp.ctx;
  var W = sharp.W, H = sharp.H, pad = 24;
  var g = data.grid;
  var x1 = g.x0 + g.nx * g.cellWidth, y1 = g.y0 + g.ny * g.cellHeight;
  var sx = function (x) { return pad + (x - g.x0) / (x1 - g.x0) * (W - 2 * pad); };
  var sy = function (y) { return H - pad - (y - g.y0) / (y1 - g.y0) * (H - 2 * pad); };
  var maxCount = 1;
  for (var i = 0; i < g.counts.length; i++) if (g.counts[i] > maxCount) maxCount = g.counts[i];

  // Heatmap: log scale so a few dense cells do not wash out the rest.
  for (var iy = 0; iy < g.ny; iy++) for (var ix = 0; ix < g.nx; ix++) {
    var c = g.counts[iy * g.nx + ix];
    if (!c) continue;
    var t = Math.log(1 + c) / Math.log(1 + maxCount);
    ctx.fillStyle = "rgba(" + Math.round(40 + 10 * t) + "," + Math.round(110 + 60 * (1 - t)) + "," + Math.round(200 - 40 * t) + "," + (0.12 + 0.7 * t).toFixed(3) + ")";
    var cx = sx(g.x0 + ix * g.cellWidth), cy = sy(g.y0 + (iy + 1) * g.cellHeight);
    ctx.fillRect(cx, cy, sx(g.x0 + (ix + 1) * g.cellWidth) - cx, sy(g.y0 + iy * g.cellHeight) - cy);
  }
  // Points.
  ctx.fillStyle = "rgba(29,35,48,0.55)";
  var px = data.points.x, py = data.points.y, r = px.length > 20000 ? 0.8 : 1.4;
  for (var p = 0; p < px.length; p++) { ctx.fillRect(sx(px[p]) - r / 2, sy(py[p]) - r / 2, r, r); }
  // Overlays (e.g. generated examples).
  (data.overlays || []).forEach(function (o) {
    ctx.fillStyle = o.color;
    for (var k = 0; k < o.x.length; k++) { ctx.beginPath(); ctx.arc(sx(o.x[k]), sy(o.y[k]), 3, 0, 7); ctx.fill(); }
  });
  // Sparse cells outlined.
  ctx.strokeStyle = "#d6336c"; ctx.lineWidth = 2;
  data.sparseCells.forEach(function (s) {
    var ax = sx(g.x0 + s.ix * g.cellWidth), ay = sy(g.y0 + (s.iy + 1) * g.cellHeight);
    ctx.strokeRect(ax, ay, sx(g.x0 + (s.ix + 1) * g.cellWidth) - ax, sy(g.y0 + s.iy * g.cellHeight) - ay);
  });
  // Each pair's window, then the pair joined by a line through its midpoint.
  ctx.strokeStyle = "#2b8a3e"; ctx.lineWidth = 1.5; ctx.setLineDash([3, 2]);
  data.pairs.forEach(function (pair) {
    if (!pair.box) return;
    var bx = sx(pair.box[0]), by = sy(pair.box[3]);
    ctx.strokeRect(bx, by, sx(pair.box[2]) - bx, sy(pair.box[1]) - by);
  });
  ctx.setLineDash([]);
  ctx.strokeStyle = "#f08c00"; ctx.lineWidth = 1.5;
  data.pairs.forEach(function (pair) {
    ctx.beginPath(); ctx.moveTo(sx(pair.a.x), sy(pair.a.y)); ctx.lineTo(sx(pair.b.x), sy(pair.b.y)); ctx.stroke();
    ctx.fillStyle = "#f08c00";
    [pair.a, pair.b].forEach(function (e) { ctx.beginPath(); ctx.arc(sx(e.x), sy(e.y), 3, 0, 7); ctx.fill(); });
    ctx.fillStyle = "#2b8a3e"; ctx.beginPath(); ctx.arc(sx(pair.mid[0]), sy(pair.mid[1]), 4, 0, 7); ctx.fill();
  });

  var legend = document.getElementById("legend");
  var items = [["#d6336c", "sparse cell"], ["#f08c00", "seed pair"], ["#2b8a3e", "midpoint (target) and its window"]];
  (data.overlays || []).forEach(function (o) { items.push([o.color, o.label]); });
  items.forEach(function (it) {
    var span = document.createElement("span"), sw = document.createElement("i");
    sw.className = "swatch"; sw.style.background = it[0]; span.appendChild(sw);
    span.appendChild(document.createTextNode(it[1])); legend.appendChild(span);
  });

  // Tooltip: the seed texts near the pointer.
  var tip = document.getElementById("tip");
  map.addEventListener("mousemove", function (ev) {
    var rect = map.getBoundingClientRect(), mx = ev.clientX - rect.left, my = ev.clientY - rect.top, best = null, bestD = 64;
    data.pairs.forEach(function (pair) {
      [pair.a, pair.b].forEach(function (e) {
        var d = Math.pow(sx(e.x) - mx, 2) + Math.pow(sy(e.y) - my, 2);
        if (d < bestD) { bestD = d; best = e; }
      });
    });
    if (!best) { tip.style.display = "none"; return; }
    tip.textContent = best.id + " (" + best.side + "): " + best.text;
    tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px"; tip.style.display = "block";
  });
  map.addEventListener("mouseleave", function () { tip.style.display = "none"; });

  // Histogram of non-empty cell counts with T marked.
  var hc = document.getElementById("histogram"), hs = sharpCanvas(hc), h = hs.ctx, HW = hs.W, HH = hs.H;
  var bins = data.histogram.counts, binWidth = data.histogram.binWidth, hmax = 1;
  bins.forEach(function (b) { if (b > hmax) hmax = b; });
  var bw = (HW - 40) / Math.max(1, bins.length);
  bins.forEach(function (b, k) {
    var height = (HH - 30) * b / hmax;
    h.fillStyle = (k + 1) * binWidth <= data.threshold ? "#d6336c" : "#4c6ef5";
    h.fillRect(30 + k * bw, HH - 20 - height, Math.max(1, bw - 1), height);
  });
  h.strokeStyle = "#1d2330"; h.setLineDash([4, 3]);
  var tx = 30 + (data.threshold / binWidth) * bw;
  h.beginPath(); h.moveTo(tx, 5); h.lineTo(tx, HH - 20); h.stroke();
  h.setLineDash([]); h.fillStyle = "#1d2330"; h.font = "11px sans-serif";
  h.fillText("0", 30, HH - 6); h.fillText(String(bins.length * binWidth), HW - 30, HH - 6); h.fillText("T", tx + 3, 14);
  document.getElementById("t").textContent = String(data.threshold);
  document.getElementById("trule").textContent = data.thresholdRule;

  // The windows the pairs aim at.
  var windowBody = document.querySelector("#windows tbody");
  (data.windows || []).forEach(function (w) {
    var tr = document.createElement("tr");
    [w.rank, w.points, w.region < 0 ? "–" : w.region, w.pairs].forEach(function (v) {
      var td = document.createElement("td"); td.className = "num"; td.textContent = String(v); tr.appendChild(td);
    });
    windowBody.appendChild(tr);
  });

  // Sparsest regions with example texts.
  var body = document.querySelector("#regions tbody");
  data.regions.forEach(function (region) {
    var tr = document.createElement("tr");
    [region.rank, region.id, region.cells, region.count].forEach(function (v) {
      var td = document.createElement("td"); td.className = "num"; td.textContent = String(v); tr.appendChild(td);
    });
    var td = document.createElement("td"); td.className = "ex";
    region.examples.forEach(function (e) {
      var div = document.createElement("div"); div.textContent = e.id + ": " + e.text; td.appendChild(div);
    });
    tr.appendChild(td); body.appendChild(tr);
  });
})();
`;
