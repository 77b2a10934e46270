/** The comparison page's chart code, inlined (no network). Plain browser JavaScript kept as a string. */
export const COMPARE_REPORT_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById("gapfill-data").textContent);
  var colours = ["#8a94a6", "#2f6fd0", "#d0452a", "#2a9d5b", "#b07d12", "#7b4fc9", "#1b9aaa", "#c94f8a"];
  var canvas = document.getElementById("chart"), sharp = sharpCanvas(canvas), ctx = sharp.ctx, W = sharp.W, H = sharp.H;
  var L = 48, B = 44, T = 12, R = 12;
  var Y = function (a) { return H - B - a * (H - B - T); };
  ctx.font = "12px system-ui"; ctx.strokeStyle = "#c4cad6"; ctx.fillStyle = "#4a5263";
  for (var k = 0; k <= 5; k++) { var a = k / 5; ctx.beginPath(); ctx.moveTo(L, Y(a)); ctx.lineTo(W - R, Y(a)); ctx.stroke(); ctx.fillText((100 * a).toFixed(0) + "%", 8, Y(a) + 4); }
  var groupWidth = (W - L - R) / Math.max(1, data.rows.length), barWidth = groupWidth * 0.8 / Math.max(1, data.columns.length);
  data.rows.forEach(function (row, r) {
    var x0 = L + r * groupWidth + groupWidth * 0.1;
    data.columns.forEach(function (_, c) {
      var cell = data.cells[r][c]; if (!cell) return;
      var x = x0 + c * barWidth;
      ctx.fillStyle = colours[c % colours.length]; ctx.fillRect(x + 1, Y(cell.accuracy), barWidth - 2, Y(0) - Y(cell.accuracy));
      ctx.strokeStyle = "#1d2330"; ctx.beginPath(); var mid = x + barWidth / 2;
      ctx.moveTo(mid, Y(cell.lower)); ctx.lineTo(mid, Y(cell.upper)); ctx.moveTo(mid - 4, Y(cell.lower)); ctx.lineTo(mid + 4, Y(cell.lower)); ctx.moveTo(mid - 4, Y(cell.upper)); ctx.lineTo(mid + 4, Y(cell.upper)); ctx.stroke();
    });
    ctx.fillStyle = "#1d2330"; ctx.fillText(row, x0, H - B + 18);
  });
  var legend = document.getElementById("legend");
  data.columns.forEach(function (column, c) {
    var span = document.createElement("span"), swatch = document.createElement("i");
    swatch.className = "swatch"; swatch.style.background = colours[c % colours.length];
    span.appendChild(swatch); span.appendChild(document.createTextNode(column)); legend.appendChild(span);
  });
})();
`;
