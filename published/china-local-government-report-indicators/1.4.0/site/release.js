// The observations table: built from the JSON in #observations-data with textContent only (never
// innerHTML), filtered by the search box and sorted by clicking a column header.
(function () {
  "use strict";
  var source = document.getElementById("observations-data");
  var table = document.getElementById("observations-table");
  if (!source || !table) return;
  var rows = JSON.parse(source.textContent);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var search = document.getElementById("observations-search");
  var count = document.getElementById("observations-count");
  // Links only ever point at our own document pages, whatever the data says.
  var DOC_HREF = /^site\/doc-[0-9a-f]{12}\.html#obs-[0-9a-f]{16}$/;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function quoteCell(r, span) {
    var td = el("td", null, "quote");
    td.colSpan = span;
    // The box stays in view and wraps to the screen when a narrow screen scrolls the table sideways.
    var box = el("div", null, "qbox");
    td.appendChild(box);
    box.lang = "zh";
    var q = r.quote || "";
    if (r.mark && r.mark[0] >= 0 && r.mark[1] > r.mark[0] && r.mark[1] <= q.length) {
      box.appendChild(document.createTextNode(q.slice(0, r.mark[0])));
      box.appendChild(el("mark", q.slice(r.mark[0], r.mark[1])));
      box.appendChild(document.createTextNode(q.slice(r.mark[1])));
    } else {
      box.appendChild(document.createTextNode(q));
    }
    if (r.href && DOC_HREF.test(r.href)) {
      var a = el("a", "原文 source ↗", "src-link");
      a.setAttribute("href", r.href);
      box.appendChild(document.createTextNode(" "));
      box.appendChild(a);
    }
    return td;
  }

  function cell(r, key) {
    var td;
    if (key === "indicator") {
      td = el("td", null, "ind");
      var code = el("code");
      String(r.indicator).split("_").forEach(function (part, i) {
        if (i > 0) { code.appendChild(document.createTextNode("_")); code.appendChild(document.createElement("wbr")); }
        code.appendChild(document.createTextNode(part));
      });
      td.appendChild(code);
      var zh = el("span", r.indicator_zh, "sub");
      zh.lang = "zh-Hans";
      td.appendChild(zh);
      td.title = r.indicator_en || "";
      return td;
    }
    var v = r[key];
    var blank = v === null || v === undefined || v === "";
    td = el("td", blank ? "—" : v);
    if (blank) { td.className = "blank"; return td; }
    if (key === "value" || key === "low" || key === "high") td.className = "num";
    if (key === "kind") td.className = r.kind.indexOf("Target") === 0 ? "kind-target" : "kind-actual";
    if (key === "file") td.className = "file";
    if (key === "region") td.lang = "zh";
    if (key === "period" || key === "comparator" || key === "unit") td.className = "nowrap";
    if (key === "unit") td.title = r.unit_code || "";
    if (key === "value") td.title = r.value_text || "";
    return td;
  }

  var keys = headers.map(function (th) { return th.getAttribute("data-key"); });
  // One <tbody> per observation: its values, then its quote on a full-width line.
  rows.forEach(function (r, i) {
    var group = el("tbody", null, "obs-row");
    var tr = document.createElement("tr");
    keys.forEach(function (k) { tr.appendChild(cell(r, k)); });
    var line = el("tr", null, "quote-line");
    line.appendChild(quoteCell(r, keys.length));
    group.appendChild(tr);
    group.appendChild(line);
    r._tr = group;
    r._i = i;
    r._hay = [r.indicator, r.indicator_zh, r.indicator_en, r.region, r.kind, r.measure, r.period, r.comparator,
              r.value, r.value_text, r.unit, r.unit_code, r.file, r.quote].join(" ").toLowerCase();
  });

  var sortKey = null, sortDir = 1;
  var collator = typeof Intl !== "undefined" ? new Intl.Collator("zh-Hans-CN", { numeric: true }) : null;

  function compare(a, b) {
    if (sortKey === null) return a._i - b._i;
    var x = a[sortKey], y = b[sortKey];
    var empty = function (v) { return v === null || v === undefined || v === ""; };
    if (empty(x) || empty(y)) return empty(x) === empty(y) ? a._i - b._i : (empty(x) ? 1 : -1); // blanks last
    var c = typeof x === "number" && typeof y === "number" ? x - y
      : (collator ? collator.compare(String(x), String(y)) : String(x).localeCompare(String(y)));
    return c !== 0 ? c * sortDir : a._i - b._i;
  }

  function render() {
    var terms = (search ? search.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    var frag = document.createDocumentFragment();
    rows.slice().sort(compare).forEach(function (r) {
      var ok = terms.every(function (t) { return r._hay.indexOf(t) !== -1; });
      r._tr.hidden = !ok;
      if (ok) shown += 1;
      frag.appendChild(r._tr);
    });
    table.appendChild(frag);
    if (count) count.textContent = shown + " / " + rows.length + " rows 行";
  }

  headers.forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      sortDir = sortKey === key ? -sortDir : 1;
      sortKey = key;
      headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", sortDir === 1 ? "ascending" : "descending");
      render();
    });
  });
  if (search) search.addEventListener("input", render);
  render();
})();
