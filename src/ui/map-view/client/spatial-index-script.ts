/**
 * Browser code (plain JS, shipped inline): a uniform grid over the points in data space, built
 * once by a counting sort, so hover, click, rectangle and lasso queries visit only the cells they
 * touch instead of scanning 400K points on every mouse move.
 *
 * Defines `buildPointIndex(xy, count)`, `pointsInRect(index, x0, y0, x1, y1)`,
 * `nearestPoint(index, x, y, radius)` and `pointsInPolygon(index, polygon)`. Also evaluated in
 * Node by its test (`new Function`), so it uses nothing of the DOM.
 */
export const SPATIAL_INDEX_SCRIPT = String.raw`
function buildPointIndex(xy, count) {
  var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, i;
  for (i = 0; i < count; i++) {
    var x = xy[2 * i], y = xy[2 * i + 1];
    if (!isFinite(x) || !isFinite(y)) continue;
    if (x < minX) minX = x; if (x > maxX) maxX = x; if (y < minY) minY = y; if (y > maxY) maxY = y;
  }
  if (!isFinite(minX)) { minX = 0; minY = 0; maxX = 1; maxY = 1; }
  // About 8 points per cell on average: few enough to scan, few enough cells to allocate.
  var side = Math.max(1, Math.min(2048, Math.ceil(Math.sqrt(count / 8))));
  var cellW = (maxX - minX) / side || 1, cellH = (maxY - minY) / side || 1;
  var cellOf = new Int32Array(count), start = new Uint32Array(side * side + 1);
  for (i = 0; i < count; i++) {
    var px = xy[2 * i], py = xy[2 * i + 1];
    if (!isFinite(px) || !isFinite(py)) { cellOf[i] = -1; continue; }
    var cx = Math.min(side - 1, Math.floor((px - minX) / cellW)), cy = Math.min(side - 1, Math.floor((py - minY) / cellH));
    cellOf[i] = cx + side * cy;
    start[cellOf[i] + 1]++;
  }
  for (i = 0; i < side * side; i++) start[i + 1] += start[i];
  var fill = start.slice(0, side * side), order = new Uint32Array(start[side * side]);
  for (i = 0; i < count; i++) if (cellOf[i] >= 0) order[fill[cellOf[i]]++] = i;
  return { xy: xy, count: count, minX: minX, minY: minY, cellW: cellW, cellH: cellH, side: side, start: start, order: order };
}

function cellRange(index, x0, y0, x1, y1) {
  var s = index.side;
  return {
    ax: Math.max(0, Math.floor((Math.min(x0, x1) - index.minX) / index.cellW)),
    bx: Math.min(s - 1, Math.floor((Math.max(x0, x1) - index.minX) / index.cellW)),
    ay: Math.max(0, Math.floor((Math.min(y0, y1) - index.minY) / index.cellH)),
    by: Math.min(s - 1, Math.floor((Math.max(y0, y1) - index.minY) / index.cellH))
  };
}

/** Points with x0 <= x < x1 and y0 <= y < y1 (half-open, like a grid cell), in buffer order. */
function pointsInRect(index, x0, y0, x1, y1) {
  var r = cellRange(index, x0, y0, x1, y1), found = [], xy = index.xy;
  for (var cy = r.ay; cy <= r.by; cy++) for (var cx = r.ax; cx <= r.bx; cx++) {
    var c = cx + index.side * cy;
    for (var k = index.start[c]; k < index.start[c + 1]; k++) {
      var i = index.order[k], x = xy[2 * i], y = xy[2 * i + 1];
      if (x >= x0 && x < x1 && y >= y0 && y < y1) found.push(i);
    }
  }
  return found.sort(function (a, b) { return a - b; });
}

/** The point nearest (x, y) within radius (data units), or -1; among equals, the later one (drawn on top). */
function nearestPoint(index, x, y, radius) {
  var r = cellRange(index, x - radius, y - radius, x + radius, y + radius), xy = index.xy;
  var best = -1, bestD = radius * radius;
  for (var cy = r.ay; cy <= r.by; cy++) for (var cx = r.ax; cx <= r.bx; cx++) {
    var c = cx + index.side * cy;
    for (var k = index.start[c]; k < index.start[c + 1]; k++) {
      var i = index.order[k], dx = xy[2 * i] - x, dy = xy[2 * i + 1] - y, d = dx * dx + dy * dy;
      if (d < bestD || (d === bestD && i > best)) { best = i; bestD = d; }
    }
  }
  return best;
}

function insidePolygon(x, y, polygon) {
  var inside = false;
  for (var a = 0, b = polygon.length - 1; a < polygon.length; b = a++) {
    var xa = polygon[a][0], ya = polygon[a][1], xb = polygon[b][0], yb = polygon[b][1];
    if ((ya > y) !== (yb > y) && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}

/** Points inside a closed polygon [[x, y], …] in data space (even-odd rule), in buffer order. */
function pointsInPolygon(index, polygon) {
  if (polygon.length < 3) return [];
  var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  polygon.forEach(function (p) { x0 = Math.min(x0, p[0]); y0 = Math.min(y0, p[1]); x1 = Math.max(x1, p[0]); y1 = Math.max(y1, p[1]); });
  return pointsInRect(index, x0, y0, x1 + 1e-12 + Math.abs(x1) * 1e-7, y1 + 1e-12 + Math.abs(y1) * 1e-7).filter(function (i) {
    return insidePolygon(index.xy[2 * i], index.xy[2 * i + 1], polygon);
  });
}
`;
