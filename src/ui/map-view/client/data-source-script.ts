/**
 * Browser code (plain JS, shipped inline): where the map view gets its data. Served, from the
 * `gapfill ui` server: the meta and the points (binary float32 x/y) at start, the dataset's texts
 * in pages of rows as hover and selection need them, search and colour fields on request. Static,
 * from the page itself (a sample of the points, their texts and every colour field inline), so the
 * same view works from `file://` with no network at all.
 *
 * Defines `createServedSource(run)` (a Promise) and `createInlineSource(data)`; both give
 * `{ meta, xy, rowOf(point), texts(rows), search(query), colors(field) }`.
 */
export const DATA_SOURCE_SCRIPT = String.raw`
/** Rows fetched together around one that is needed: a hover nearby is then already answered. */
var TEXT_PAGE = 64;

function decodeFloat32(base64) {
  var bytes = atob(base64), buffer = new ArrayBuffer(bytes.length), view = new Uint8Array(buffer);
  for (var i = 0; i < bytes.length; i++) view[i] = bytes.charCodeAt(i);
  return new Float32Array(buffer);
}

function getJson(url) {
  return fetch(url).then(function (r) { if (!r.ok) return r.text().then(function (t) { throw new Error(t || r.statusText); }); return r.json(); });
}

function createServedSource(run) {
  var q = "run=" + encodeURIComponent(run);
  return Promise.all([
    getJson("/api/map/meta?" + q),
    fetch("/api/map/points?" + q).then(function (r) { if (!r.ok) throw new Error("points: " + r.status); return r.arrayBuffer(); })
  ]).then(function (parts) {
    var meta = parts[0], xy = new Float32Array(parts[1]), cache = {}, pending = {}, colorCache = {};
    function fetchPage(page) {
      if (pending[page]) return pending[page];
      var from = page * TEXT_PAGE, to = Math.min(meta.rows, from + TEXT_PAGE);
      return (pending[page] = getJson("/api/map/texts?" + q + "&from=" + from + "&to=" + to).then(function (texts) {
        texts.forEach(function (t) { cache[t.index] = t; });
      }));
    }
    return {
      meta: meta,
      xy: xy,
      rowOf: function (point) { return point < meta.rows ? point : -1; },
      pointOfRow: function (row) { return row < meta.rows ? row : -1; },
      cached: function (row) { return cache[row]; },
      texts: function (rows) {
        var missing = rows.filter(function (r) { return !cache[r]; });
        var pages = {}; missing.forEach(function (r) { pages[Math.floor(r / TEXT_PAGE)] = true; });
        var keys = Object.keys(pages);
        // Many scattered rows (a big selection): one request by index instead of a page each.
        var work = keys.length > 8
          ? getJson("/api/map/texts?" + q + "&rows=" + missing.slice(0, 1000).join(",")).then(function (texts) { texts.forEach(function (t) { cache[t.index] = t; }); })
          : Promise.all(keys.map(function (k) { return fetchPage(Number(k)); }));
        return work.then(function () { var out = {}; rows.forEach(function (r) { if (cache[r]) out[r] = cache[r]; }); return out; });
      },
      search: function (query) { return getJson("/api/map/search?" + q + "&q=" + encodeURIComponent(query)); },
      colors: function (field) { return colorCache[field] || (colorCache[field] = getJson("/api/map/color?" + q + "&field=" + encodeURIComponent(field))); }
    };
  });
}

function createInlineSource(data) {
  var meta = data.meta, xy = decodeFloat32(data.xy), rows = data.sampleRows, pointOf = {}, texts = {};
  rows.forEach(function (row, point) { pointOf[row] = point; });
  data.texts.forEach(function (t) { texts[t.index] = t; });
  return {
    meta: meta,
    xy: xy,
    rowOf: function (point) { return point < rows.length ? rows[point] : -1; },
    pointOfRow: function (row) { return pointOf[row] === undefined ? -1 : pointOf[row]; },
    cached: function (row) { return texts[row]; },
    texts: function (wanted) { var out = {}; wanted.forEach(function (r) { if (texts[r]) out[r] = texts[r]; }); return Promise.resolve(out); },
    search: function (query) {
      var needle = query.trim().toLowerCase(), found = [];
      if (needle) data.texts.forEach(function (t) { if ((t.question + "\n" + t.answer).toLowerCase().indexOf(needle) !== -1) found.push(t.index); });
      found.sort(function (a, b) { return a - b; });
      return Promise.resolve({ indices: found, total: found.length });
    },
    colors: function (field) { return data.colors[field] ? Promise.resolve(data.colors[field]) : Promise.reject(new Error("no field " + field)); }
  };
}
`;
