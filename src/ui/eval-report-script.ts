/**
 * The evaluation page's drawing code, inlined so the page opens from disk with no network.
 * Plain browser JavaScript kept as a string: Node never runs it.
 */
export const EVAL_REPORT_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById("gapfill-data").textContent);
  function cell(row, text, cls) { var td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; row.appendChild(td); return td; }
  // JSON turns NaN (a correlation that cannot be computed, e.g. every region at 0%) into null:
  // every number is checked before use, so one missing figure never blanks the page.
  function finite(v) { return typeof v === "number" && isFinite(v); }
  function num(v, digits) { return finite(v) ? v.toFixed(digits) : "–"; }
  function pct(v) { return finite(v) ? (100 * v).toFixed(1) + "%" : "–"; }
  function pval(v) { return finite(v) ? v.toPrecision(3) : "–"; }
  // Each part of the page draws on its own: an error in one chart leaves the others and the tables.
  function section(name, draw) { try { draw(); } catch (error) { if (window.console) console.error("gapfill: " + name + ": " + error); } }
  function accuracyColour(a, alpha) {
    var r = Math.round(215 - 170 * a), g = Math.round(60 + 120 * a), b = 70;
    return "rgba(" + r + "," + g + "," + b + "," + alpha + ")";
  }

  var body = document.querySelector("#items tbody");
  data.items.forEach(function (item) {
    var tr = document.createElement("tr");
    cell(tr, String(item.position + 1), "num");
    cell(tr, item.question, "q");
    cell(tr, item.reference === null ? "–" : item.reference);
    cell(tr, item.extracted === null ? "(no answer)" : item.extracted);
    cell(tr, item.correct ? "right" : "wrong", item.correct ? "right" : "wrong");
    cell(tr, num(item.referenceLoss, 3), "num");
    cell(tr, num(item.ownLoss, 3), "num");
    cell(tr, num(item.entropy, 3), "num");
    body.appendChild(tr);
  });
  if (data.itemsOmitted > 0) document.getElementById("omitted").textContent = data.itemsOmitted + " more items are in the run database (table evaluation_items).";

  var da = data.densityAccuracy;
  if (!da) return;

  section("regions table", function () {
    var rb = document.querySelector("#regions tbody");
    da.regions.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, String(r.id), "num"); cell(tr, String(r.cells), "num"); cell(tr, num(r.density, 1), "num"); cell(tr, String(r.items), "num");
      cell(tr, pct(r.accuracy), "num"); cell(tr, pct(r.lower) + " – " + pct(r.upper), "num");
      rb.appendChild(tr);
    });
  });

  section("coefficients", function () {
    var undefinedNote = finite(da.pearson.r) && finite(da.spearman.rho) ? "" : " (a correlation needs regions whose density and accuracy both vary)";
    document.getElementById("method").textContent = "Regions: " + da.grouping + ". Placement: " + da.method + "." + (da.notes.length ? " Notes: " + da.notes.join("; ") : "");
    document.getElementById("coefficients").textContent =
      "Pearson r = " + num(da.pearson.r, 3) + " (p = " + pval(da.pearson.p) + "), " +
      "Spearman ρ = " + num(da.spearman.rho, 3) + " (p = " + pval(da.spearman.p) + "), " + da.regions.length + " regions" + undefinedNote;
  });

  // Scatter: density (x) against accuracy (y), dot area ∝ items, least-squares line (the paper's Figure 7).
  section("scatter", function () {
    var sc = document.getElementById("scatter"), s = sc.getContext("2d"), W = sc.width, H = sc.height, L = 52, B = 40, T = 14, R = 14;
    var maxD = 0; da.regions.forEach(function (r) { if (r.density > maxD) maxD = r.density; });
    if (maxD <= 0) maxD = 1;
    var X = function (d) { return L + d / maxD * (W - L - R); }, Y = function (a) { return H - B - a * (H - B - T); };
    s.strokeStyle = "#9aa3b2"; s.fillStyle = "#4a5263"; s.font = "12px system-ui"; s.lineWidth = 1;
    s.beginPath(); s.moveTo(L, T); s.lineTo(L, H - B); s.lineTo(W - R, H - B); s.stroke();
    for (var k = 0; k <= 4; k++) {
      var a = k / 4; s.fillText((100 * a).toFixed(0) + "%", 8, Y(a) + 4);
      s.fillText((maxD * a).toFixed(maxD < 10 ? 1 : 0), X(maxD * a) - 8, H - B + 16);
    }
    s.fillText("training examples per cell", W / 2 - 70, H - 6);
    var maxItems = 1; da.regions.forEach(function (r) { if (r.items > maxItems) maxItems = r.items; });
    da.regions.forEach(function (r) {
      if (!finite(r.density) || !finite(r.accuracy)) return;
      if (finite(r.lower) && finite(r.upper)) { s.strokeStyle = "rgba(60,70,90,0.35)"; s.beginPath(); s.moveTo(X(r.density), Y(r.lower)); s.lineTo(X(r.density), Y(r.upper)); s.stroke(); }
      s.fillStyle = "rgba(40,90,200,0.75)"; s.beginPath(); s.arc(X(r.density), Y(r.accuracy), 3 + 6 * Math.sqrt(r.items / maxItems), 0, 2 * Math.PI); s.fill();
  });
  if (da.fit && finite(da.fit.slope) && finite(da.fit.intercept)) {
    s.strokeStyle = "#d0452a"; s.lineWidth = 2; s.beginPath();
    s.moveTo(X(0), Y(Math.max(0, Math.min(1, da.fit.intercept))));
    s.lineTo(X(maxD), Y(Math.max(0, Math.min(1, da.fit.intercept + da.fit.slope * maxD)))); s.stroke();
  }
  });

  // Map: cells coloured by their region's accuracy, items on top.
  section("map", function () {
    var mp = document.getElementById("map"), m = mp.getContext("2d"), MW = mp.width, MH = mp.height, pad = 12, g = da.grid;
    var cw = (MW - 2 * pad) / g.nx, ch = (MH - 2 * pad) / g.ny;
    for (var i = 0; i < g.counts.length; i++) if (g.counts[i] > 0) {
      m.fillStyle = "rgba(150,158,170,0.25)"; m.fillRect(pad + (i % g.nx) * cw, MH - pad - (Math.floor(i / g.nx) + 1) * ch, cw, ch);
    }
    da.regions.forEach(function (r) {
      r.cellXY.forEach(function (xy) { m.fillStyle = finite(r.accuracy) ? accuracyColour(r.accuracy, 0.8) : "rgba(150,158,170,0.5)"; m.fillRect(pad + xy[0] * cw, MH - pad - (xy[1] + 1) * ch, cw, ch); });
  });
  for (var j = 0; j < da.items.gx.length; j++) {
    m.fillStyle = da.items.correct[j] ? "rgba(20,30,40,0.7)" : "rgba(190,20,20,0.85)";
    m.fillRect(pad + da.items.gx[j] * cw - 1, MH - pad - da.items.gy[j] * ch - 1, 2, 2);
  }
  });
})();
`;
