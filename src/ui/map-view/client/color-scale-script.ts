/**
 * Browser code (plain JS, shipped inline): turns a colour field (categories with labels, or numbers
 * with a range) into one RGBA colour per point for the renderer, and into a legend. Points with no
 * value (a dataset column on a generated example, a row never evaluated) are a faint grey.
 *
 * Defines `colorsFor(values, count)` → Uint8Array and `legendEntries(values)` → [{ color, label }].
 */
export const COLOR_SCALE_SCRIPT = String.raw`
var CATEGORY_COLORS = ["#4c6ef5", "#f76707", "#2b8a3e", "#e03131", "#7048e8", "#0c8599", "#d6336c", "#5c940d", "#e8590c", "#1971c2",
  "#9c36b5", "#087f5b", "#c92a2a", "#364fc7", "#a61e4d", "#2f9e44", "#f08c00", "#1098ad", "#862e9c", "#495057", "#66a80f", "#d9480f", "#3b5bdb", "#0b7285"];
var NUMERIC_STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
var MISSING = [173, 181, 189, 70];

function hexRgb(hex) { var n = parseInt(hex.slice(1), 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; }

function numericRgb(t) {
  t = Math.max(0, Math.min(1, t)) * (NUMERIC_STOPS.length - 1);
  var i = Math.min(NUMERIC_STOPS.length - 2, Math.floor(t)), f = t - i, a = NUMERIC_STOPS[i], b = NUMERIC_STOPS[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

function colorsFor(field, count) {
  var out = new Uint8Array(4 * count), i, c;
  var palette = CATEGORY_COLORS.map(hexRgb);
  for (i = 0; i < count; i++) {
    var v = field.values[i];
    if (field.kind === "category") {
      c = v === undefined || v === null || v < 0 ? MISSING : palette[v % palette.length].concat([v === 0 && field.field === "source" ? 150 : 220]);
    } else {
      c = v === undefined || v === null ? MISSING : numericRgb(field.max > field.min ? (v - field.min) / (field.max - field.min) : 0.5).concat([210]);
    }
    out[4 * i] = c[0]; out[4 * i + 1] = c[1]; out[4 * i + 2] = c[2]; out[4 * i + 3] = c[3];
  }
  return out;
}

function legendEntries(field) {
  if (field.kind === "category") return field.labels.map(function (label, i) { return { color: CATEGORY_COLORS[i % CATEGORY_COLORS.length], label: label }; });
  var steps = [0, 0.25, 0.5, 0.75, 1];
  return steps.map(function (t) { var rgb = numericRgb(t); return { color: "rgb(" + rgb.join(",") + ")", label: (field.min + (field.max - field.min) * t).toPrecision(3) }; });
}
`;
