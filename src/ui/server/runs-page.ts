import { renderPage } from "../page.js";

/**
 * The UI's front page: the runs under the served folder (refreshed every few seconds) and, for
 * the selected run, its progress live from the event stream: a bar per stage with its detail
 * line, and the notices and warnings as they come. All text goes in through `textContent`.
 */
export function renderRunsPage(): string {
  return renderPage({
    title: "gapfill ui",
    css: `
  #runs tr.selected { background: #e7f0ff; } #runs tr { cursor: pointer; }
  .state-running { color: #1c7ed6; font-weight: 600; } .state-stopped { color: #c92a2a; } .state-done { color: #2b8a3e; }
  .stage { margin: 6px 0; } .bar { height: 10px; background: #e6e9ef; border-radius: 5px; overflow: hidden; width: 420px; display: inline-block; vertical-align: middle; }
  .bar > i { display: block; height: 100%; background: #1c7ed6; }
  #log li.warning { color: #c92a2a; } #log { max-height: 260px; overflow: auto; }`,
    body: `<h1>gapfill runs</h1>
<p id="root-note">Runs under the folder this server was started on. Click a run to follow it live.</p>
<table id="runs"><thead><tr><th>run</th><th>kind</th><th>dataset</th><th>student</th><th>state</th><th>last activity</th><th>pages</th></tr></thead><tbody></tbody></table>
<section id="live" hidden>
<h2 id="live-title"></h2>
<div id="stages"></div>
<h2>Notices</h2>
<ul id="log"></ul>
</section>`,
    script: RUNS_SCRIPT,
  });
}

const RUNS_SCRIPT = `
(function () {
  var selected = null, source = null, stages = {};
  function cell(row, text, cls) { var td = document.createElement("td"); td.textContent = text == null ? "–" : String(text); if (cls) td.className = cls; row.appendChild(td); return td; }
  function refresh() {
    Promise.all([fetch("/api/runs").then(function (r) { return r.json(); }), fetch("/api/maps").then(function (r) { return r.json(); }).catch(function () { return []; })]).then(function (both) {
      var runs = both[0], maps = both[1];
      var body = document.querySelector("#runs tbody"); body.textContent = "";
      runs.forEach(function (run) {
        var row = document.createElement("tr"); row.setAttribute("data-run", run.id);
        if (run.id === selected) row.className = "selected";
        cell(row, run.id); cell(row, run.kind); cell(row, run.dataset); cell(row, run.student);
        cell(row, run.state + (run.reason ? " (" + run.reason + ")" : ""), "state-" + run.state);
        cell(row, run.lastActivity);
        var pages = cell(row, ""); pages.textContent = "";
        if (maps.indexOf(run.id) !== -1) {
          var view = document.createElement("a"); view.href = "/map?run=" + encodeURIComponent(run.id); view.textContent = "map view"; view.className = "map-view"; view.target = "_blank";
          pages.appendChild(view); pages.appendChild(document.createTextNode(" "));
        }
        run.pages.forEach(function (page) {
          var a = document.createElement("a"); a.href = "/run?run=" + encodeURIComponent(run.id) + "&file=" + encodeURIComponent(page); a.textContent = page; a.target = "_blank";
          pages.appendChild(a); pages.appendChild(document.createTextNode(" "));
        });
        row.addEventListener("click", function () { follow(run.id); });
        body.appendChild(row);
      });
    }).catch(function () {});
  }
  function stageRow(name) {
    if (stages[name]) return stages[name];
    var div = document.createElement("div"); div.className = "stage"; div.setAttribute("data-stage", name);
    var label = document.createElement("b"); label.textContent = name + " ";
    var bar = document.createElement("span"); bar.className = "bar"; var fill = document.createElement("i"); fill.style.width = "0%"; bar.appendChild(fill);
    var text = document.createElement("span"); text.className = "detail";
    div.appendChild(label); div.appendChild(bar); div.appendChild(text);
    document.getElementById("stages").appendChild(div);
    return (stages[name] = { fill: fill, text: text, total: null });
  }
  function onProgress(e) {
    var ev = JSON.parse(e.data), kind = ev.type.slice(ev.type.lastIndexOf("-") + 1);
    if (ev.type === "notice" || ev.type === "warning") {
      var li = document.createElement("li"); li.className = ev.type; li.textContent = ev.stage + ": " + ev.message;
      document.getElementById("log").appendChild(li); return;
    }
    var s = stageRow(ev.stage);
    if (kind === "start") { s.total = ev.total == null ? null : ev.total; s.text.textContent = " started"; }
    if (kind === "progress") {
      var total = ev.total == null ? s.total : ev.total;
      s.fill.style.width = total ? Math.min(100, 100 * ev.done / total).toFixed(1) + "%" : "50%";
      s.text.textContent = " " + ev.done + (total ? " / " + total : "") + (ev.detail ? " — " + ev.detail : "");
      s.text.setAttribute("data-done", String(ev.done));
    }
    if (kind === "end") { s.fill.style.width = "100%"; s.text.textContent = " done: " + ev.done + " in " + Number(ev.seconds).toFixed(1) + " s"; s.text.setAttribute("data-done", String(ev.done)); }
  }
  function follow(id) {
    if (source) source.close();
    selected = id; stages = {};
    document.getElementById("stages").textContent = ""; document.getElementById("log").textContent = "";
    document.getElementById("live").hidden = false;
    document.getElementById("live-title").textContent = "Live: " + id;
    source = new EventSource("/api/events?run=" + encodeURIComponent(id));
    source.addEventListener("progress", onProgress);
    source.addEventListener("state", function (e) {
      var st = JSON.parse(e.data);
      document.getElementById("live-title").textContent = "Live: " + id + " — " + st.state + (st.reason ? " (" + st.reason + ")" : "");
      if (st.state !== "running") source.close();
    });
    refresh();
  }
  refresh(); setInterval(refresh, 3000);
})();`;
