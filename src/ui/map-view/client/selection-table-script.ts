/**
 * Browser code (plain JS, shipped inline): the tooltip and the table of selected points, with
 * full texts, answers and provenance. Every text goes in through `textContent`: a dataset row
 * holding `<script>` or `<img onerror>` is shown as the characters it is, never run.
 *
 * Defines `describePoint(source, point, generatedAt)` → `{ kind, id, question, answer, provenance }`
 * (texts undefined until fetched), `fillTooltip(element, item)` and `fillTable(tbody, items, focus)`.
 */
export const SELECTION_TABLE_SCRIPT = String.raw`
/** Rows listed in the table at most; the count says how many more are selected. */
var TABLE_LIMIT = 500;

function describePoint(source, point, generatedAt) {
  var g = generatedAt[point];
  if (g) {
    var provenance = [g.strategy + (g.round === null ? "" : ", round " + g.round),
      "seeds: " + (g.seeds.length ? g.seeds.map(function (r) { return r < 0 ? "(not on map)" : "row " + r; }).join(" + ") : "none")];
    if (g.window !== null) provenance.push("target window #" + g.window);
    if (g.cell !== null) provenance.push("cell " + g.cell);
    if (g.partial !== null) provenance.push("decoded partial: " + g.partial);
    return { point: point, kind: g.round === null ? g.source : "round " + g.round, id: g.id, question: g.question, answer: g.answer, provenance: provenance.join("\n"), generated: g };
  }
  var row = source.rowOf(point), t = source.cached(row);
  return { point: point, kind: "training", id: t ? t.id : "row " + row, question: t ? t.question : undefined, answer: t ? t.answer : undefined, provenance: "dataset row " + row, row: row };
}

function fillTooltip(element, item) {
  element.textContent = "";
  var head = document.createElement("b"); head.textContent = item.kind + " · " + item.id; element.appendChild(head);
  var q = document.createElement("div"); q.className = "q";
  q.textContent = item.question === undefined ? "…" : item.question.length > 400 ? item.question.slice(0, 400) + "…" : item.question;
  element.appendChild(q);
  if (item.generated && item.generated.partial !== null) {
    var p = document.createElement("div"); p.className = "partial"; p.textContent = "decoded partial: " + item.generated.partial; element.appendChild(p);
  }
}

function fillTable(tbody, items, focusPoint) {
  tbody.textContent = "";
  items.slice(0, TABLE_LIMIT).forEach(function (item) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-point", String(item.point));
    if (item.point === focusPoint) tr.className = "focus";
    [item.kind, item.id, item.question, item.answer, item.provenance].forEach(function (text, i) {
      var td = document.createElement("td"); td.textContent = text === undefined ? "…" : String(text);
      if (i >= 2) td.className = "text";
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });
}
`;
