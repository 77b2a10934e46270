/**
 * The generate page's drawing code, inlined so the page opens from disk with no network.
 * Plain browser JavaScript kept as a string: never run by Node.
 */
export const GENERATE_REPORT_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById("gapfill-data").textContent);
  var g = data.grid;
  var pct = function (v) { return v === null || v === undefined ? "–" : (100 * v).toFixed(0) + "%"; };

  // Comparison table: one column per strategy.
  var rows = [
    ["accepted / budget", function (s) { return s.accepted + " / " + s.budget + (s.stopped === "budget" ? "" : " (stopped: " + s.stopped + ")"); }],
    ["in or next to its target cell", function (s) { return s.targetHitRate === null ? "– (no target)" : pct(s.targetHitRate); }],
    ["in or next to a sparse cell", function (s) { return pct(s.sparseHitRate) + (s.datasetSparseShare === null ? "" : " (dataset: " + pct(s.datasetSparseShare) + ")"); }],
    ["sparse cells' points", function (s) { return s.sparseRise ? s.sparseRise.pointsBefore + " → " + (s.sparseRise.pointsBefore + s.sparseRise.pointsAdded) + " (+" + s.sparseRise.risePercent.toFixed(1) + "%), " + s.sparseRise.liftedToT + " cells reach T" : "–"; }],
    ["attempts", function (s) { return String(s.attempts); }],
    ["rejected", function (s) { var parts = []; for (var k in s.rejected) parts.push(k + " " + s.rejected[k]); return parts.length ? parts.join(", ") : "none"; }],
    ["teacher requests", function (s) { return s.requests + (s.cached ? " (" + s.cached + " from the cache)" : ""); }],
    ["teacher tokens", function (s) { return String(s.tokens); }],
    ["time", function (s) { return s.seconds.toFixed(1) + " s"; }],
    ["decoded partials", function (s) { return s.decode; }],
    ["placement", function (s) { return s.method; }]
  ];
  var table = document.getElementById("compare");
  var head = document.createElement("tr"); head.appendChild(document.createElement("th"));
  data.strategies.forEach(function (s) {
    var th = document.createElement("th"); th.textContent = s.name; th.style.color = s.color; th.className = "strategy"; head.appendChild(th);
  });
  table.appendChild(head);
  rows.forEach(function (row) {
    var tr = document.createElement("tr"), th = document.createElement("th"); th.textContent = row[0]; tr.appendChild(th);
    data.strategies.forEach(function (s) { var td = document.createElement("td"); td.textContent = row[1](s); tr.appendChild(td); });
    table.appendChild(tr);
  });

  var tip = document.getElementById("tip");
  // Per window: points before and after, examples aimed there and landed.
  var windowBody = document.querySelector("#windows tbody");
  (data.windows || []).forEach(function (w) {
    var tr = document.createElement("tr");
    [w.rank, w.before, w.after, w.aimed, w.landed].forEach(function (v) {
      var td = document.createElement("td"); td.className = "num"; td.textContent = String(v); tr.appendChild(td);
    });
    windowBody.appendChild(tr);
  });

  // One map per strategy, side by side.
  var panels = document.getElementById("panels");
  data.strategies.forEach(function (s) {
    var box = document.createElement("div"); box.className = "panel"; box.setAttribute("data-strategy", s.name);
    var h = document.createElement("h2"); h.textContent = s.name + ": " + s.x.length + " generated examples on the map"; box.appendChild(h);
    var canvas = document.createElement("canvas"); canvas.width = 560; canvas.height = 440; canvas.id = "map-" + s.name; box.appendChild(canvas);
    var legend = document.createElement("div"); legend.className = "legend";
    var items = [[s.color, s.name + " (filled: in or next to a sparse cell)"], ["#d6336c", "sparse cell"]];
    if (s.mapTargets) items.push(["#2b8a3e", "pair midpoint (target)"]);
    items.forEach(function (it) {
      var span = document.createElement("span"), sw = document.createElement("i"); sw.className = "swatch"; sw.style.background = it[0];
      span.appendChild(sw); span.appendChild(document.createTextNode(it[1])); legend.appendChild(span);
    });
    box.appendChild(legend);
    var list = document.createElement("ol"); list.className = "ex";
    s.examples.forEach(function (e) { var li = document.createElement("li"); li.textContent = e.id + ": " + e.question; list.appendChild(li); });
    box.appendChild(list);
    panels.appendChild(box);
    draw(canvas, s);
  });

  function draw(canvas, s) {
    var sharp = sharpCanvas(canvas), ctx = sharp.ctx, W = sharp.W, H = sharp.H, pad = 20;
    var x0 = g.x0, y0 = g.y0, x1 = g.x0 + g.nx * g.cellWidth, y1 = g.y0 + g.ny * g.cellHeight;
    var sx = function (x) { return pad + Math.min(1, Math.max(0, (x - x0) / (x1 - x0))) * (W - 2 * pad); };
    var sy = function (y) { return H - pad - Math.min(1, Math.max(0, (y - y0) / (y1 - y0))) * (H - 2 * pad); };
    var maxCount = 1, i;
    for (i = 0; i < g.counts.length; i++) if (g.counts[i] > maxCount) maxCount = g.counts[i];
    for (var iy = 0; iy < g.ny; iy++) for (var ix = 0; ix < g.nx; ix++) {
      var c = g.counts[iy * g.nx + ix]; if (!c) continue;
      var t = Math.log(1 + c) / Math.log(1 + maxCount);
      ctx.fillStyle = "rgba(60,120,200," + (0.08 + 0.5 * t).toFixed(3) + ")";
      var ax = sx(x0 + ix * g.cellWidth), ay = sy(y0 + (iy + 1) * g.cellHeight);
      ctx.fillRect(ax, ay, sx(x0 + (ix + 1) * g.cellWidth) - ax, sy(y0 + iy * g.cellHeight) - ay);
    }
    ctx.fillStyle = "rgba(29,35,48,0.35)";
    for (i = 0; i < data.points.x.length; i++) ctx.fillRect(sx(data.points.x[i]) - 0.5, sy(data.points.y[i]) - 0.5, 1, 1);
    ctx.strokeStyle = "#d6336c"; ctx.lineWidth = 1.5;
    data.sparseCells.forEach(function (cell) {
      var ax = sx(x0 + cell.ix * g.cellWidth), ay = sy(y0 + (cell.iy + 1) * g.cellHeight);
      ctx.strokeRect(ax, ay, sx(x0 + (cell.ix + 1) * g.cellWidth) - ax, sy(y0 + cell.iy * g.cellHeight) - ay);
    });
    if (s.mapTargets) {
      ctx.strokeStyle = "#2b8a3e"; ctx.lineWidth = 1; ctx.setLineDash([3, 2]);
      data.targets.forEach(function (p) {
        if (!p.box) return;
        var bx = sx(p.box[0]), by = sy(p.box[3]);
        ctx.strokeRect(bx, by, sx(p.box[2]) - bx, sy(p.box[1]) - by);
      });
      ctx.setLineDash([]);
      ctx.fillStyle = "#2b8a3e";
      data.targets.forEach(function (p) { ctx.beginPath(); ctx.arc(sx(p.x), sy(p.y), 3, 0, 7); ctx.fill(); });
      canvas.addEventListener("mousemove", function (ev) {
        var rect = canvas.getBoundingClientRect(), mx = ev.clientX - rect.left, my = ev.clientY - rect.top, best = null, bestD = 64;
        data.targets.forEach(function (p) {
          var d = Math.pow(sx(p.x) - mx, 2) + Math.pow(sy(p.y) - my, 2);
          if (d < bestD) { bestD = d; best = p; }
        });
        if (!best || !best.seeds) { tip.style.display = "none"; return; }
        var lines = ["window " + (best.window + 1)];
        best.seeds.forEach(function (seed, k) { lines.push("seed " + (k + 1) + " (" + seed.id + "): " + seed.question); });
        lines.push("decoded partial: " + (best.partial ? best.partial : "–"));
        lines.push("written: " + (best.example ? best.example.id + ": " + best.example.question : "– (none accepted yet)"));
        tip.textContent = lines.join("\n");
        tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px"; tip.style.display = "block";
      });
      canvas.addEventListener("mouseleave", function () { tip.style.display = "none"; });
    }
    ctx.lineWidth = 1.5;
    for (i = 0; i < s.x.length; i++) {
      ctx.beginPath(); ctx.arc(sx(s.x[i]), sy(s.y[i]), 4, 0, 7);
      if (s.hit[i]) { ctx.fillStyle = s.color; ctx.fill(); } else { ctx.strokeStyle = s.color; ctx.stroke(); }
    }
  }
})();
`;
