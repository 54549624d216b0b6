// The panel view: pick a region, an indicator and a measure; see that series' targets (band, bound or
// point, with its comparator) against the outcomes over the years, and the same rows as a table.
// Data: the JSON in #panel-data (see govreport.site.panel_view). Whether a target was met is the table's
// own `met` cell, shown as it is: nothing here compares an outcome with a target. Text goes in with
// textContent only (never innerHTML).
(function () {
  "use strict";
  var source = document.getElementById("panel-data");
  var view = document.getElementById("panel-view");
  if (!source || !view) return;
  var data = JSON.parse(source.textContent);
  if (!data.series || !data.series.length) return;
  var SVG = "http://www.w3.org/2000/svg";
  var C = {};  // column name -> index in a row
  data.cols.forEach(function (c, i) { C[c] = i; });

  var find = document.getElementById("pv-find");
  var regionSel = document.getElementById("pv-region");
  var indicatorSel = document.getElementById("pv-indicator");
  var measureSel = document.getElementById("pv-measure");
  var summary = document.getElementById("pv-summary");
  var svg = document.getElementById("pv-chart");
  var table = document.getElementById("pv-table");
  var caption = document.getElementById("pv-caption");

  // Series by region, then by indicator.
  var byRegion = {};
  data.series.forEach(function (s, i) {
    var r = byRegion[s.r] || (byRegion[s.r] = {});
    (r[s.i] || (r[s.i] = [])).push(i);
  });

  // --- text -------------------------------------------------------------------------------------
  function num(v) {
    if (v === null || v === undefined) return "";
    return String(Math.round(v * 1e6) / 1e6);
  }
  function sym(c) { return data.symbols[c] || ""; }
  // As govreport.site.text.value_display: 6–6.5, ≥ 5, ≤ 3, ≈ 400, 384.
  function valueDisplay(comp, low, high, value) {
    if (comp === "range" && low !== null && high !== null) return num(low) + "–" + num(high);
    if ((comp === "ge" || comp === "gt") && low !== null) return sym(comp) + " " + num(low);
    if ((comp === "le" || comp === "lt") && high !== null) return sym(comp) + " " + num(high);
    if (comp === "approx") return "≈ " + num(value);
    return num(value);
  }
  function unitZh(s) { return (data.units[s.u] || [s.u])[0]; }
  function hasTarget(row) { return row[C.target_comparator] !== null; }
  function hasOutcome(row) { return row[C.actual_value] !== null; }
  function targetText(s, row) {
    if (!hasTarget(row)) return "";
    return valueDisplay(row[C.target_comparator], row[C.target_low], row[C.target_high], row[C.target_value]) +
      " " + unitZh(s);
  }
  function outcomeText(s, row) {
    if (!hasOutcome(row)) return "";
    var v = row[C.actual_value];
    return valueDisplay(row[C.actual_comparator] || "eq", v, v, v) + " " + unitZh(s);
  }
  function metText(met) {
    return met === true ? "✓ met 达成" : met === false ? "✗ missed 未达成" : "—";
  }
  function regionLabel(i) {
    var r = data.regions[i];
    return r[1] + (r[0] !== r[1] ? " (" + r[0] + ")" : "");
  }
  function indicatorLabel(i) {
    var ind = data.indicators[i];
    return ind[1] + (ind[2] ? " " + ind[2] : "") + " · " + ind[0];
  }
  function measureLabel(s) {
    var label = data.measures[s.m] || s.m;
    if (s.b !== "annual") label += " · " + (data.bases[s.b] || s.b);
    return label + " · " + unitZh(s);
  }

  // --- selectors ----------------------------------------------------------------------------------
  function option(value, text) {
    var o = document.createElement("option");
    o.value = String(value);
    o.textContent = text;
    return o;
  }
  var LEVEL = { country: "Country 全国", province: "Province 省级", prefecture: "Prefecture 地级",
                county: "County 县级" };

  function fillRegions(keep) {
    var terms = (find.value || "").toLowerCase().split(/\s+/).filter(Boolean);
    var groups = {}, order = [];
    data.regions.forEach(function (r, i) {
      var hay = (r[0] + " " + r[1]).toLowerCase();
      if (i !== keep && !terms.every(function (t) { return hay.indexOf(t) !== -1; })) return;
      var level = r[2] || "";
      if (!groups[level]) { groups[level] = []; order.push(level); }
      groups[level].push(option(i, regionLabel(i)));
    });
    regionSel.textContent = "";
    order.forEach(function (level) {
      var g = document.createElement("optgroup");
      g.label = LEVEL[level] || (level || "Other 其他");
      groups[level].forEach(function (o) { g.appendChild(o); });
      regionSel.appendChild(g);
    });
    regionSel.value = String(keep);
  }

  function fillIndicators(region, keep) {
    var codes = Object.keys(byRegion[region]).map(Number).sort(function (a, b) { return a - b; });
    indicatorSel.textContent = "";
    codes.forEach(function (i) { indicatorSel.appendChild(option(i, indicatorLabel(i))); });
    indicatorSel.value = String(codes.indexOf(keep) !== -1 ? keep : codes[0]);
  }

  function fillMeasures(region, indicator, keep) {
    var list = byRegion[region][indicator];
    measureSel.textContent = "";
    list.forEach(function (si) { measureSel.appendChild(option(si, measureLabel(data.series[si]))); });
    // Keep the measure when the new region or indicator has the same one.
    var same = keep === null ? -1 : list.filter(function (si) {
      var a = data.series[si], b = data.series[keep];
      return a.m === b.m && a.b === b.b && a.u === b.u;
    })[0];
    measureSel.value = String(same !== undefined && same !== -1 ? same : list[0]);
    measureSel.disabled = list.length < 2;
  }

  // --- the chart ----------------------------------------------------------------------------------
  // As govreport.site.charts.nice_ticks.
  function niceTicks(lo, hi, n) {
    n = n || 5;
    if (hi === lo) { var p = Math.abs(hi) * 0.1 || 1; lo -= p; hi += p; }
    var pad = (hi - lo) * 0.05;
    lo = lo >= 0 ? Math.max(0, lo - pad) : lo - pad;
    hi += pad;
    var raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw))), step = 10 * mag;
    var ms = [1, 2, 2.5, 5, 10];
    for (var k = 0; k < ms.length; k++) { if ((hi - lo) / (ms[k] * mag) <= n) { step = ms[k] * mag; break; } }
    var first = Math.floor(lo / step), last = Math.ceil(hi / step), out = [];
    for (var i = first; i <= Math.max(last, first + 1); i++) out.push(Math.round(i * step * 1e10) / 1e10);
    return out;
  }

  function node(tag, attrs, parent, tip) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (tip) { var t = document.createElementNS(SVG, "title"); t.textContent = tip; e.appendChild(t); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function px(v) { return v.toFixed(1); }

  function draw(s) {
    var W = 760, H = 300, L = 56, R = 16, T = 14, B = 30;
    var rows = s.rows;
    var y0 = rows[0][C.year], y1 = rows[rows.length - 1][C.year], span = Math.max(1, y1 - y0);
    var stepPx = (W - L - R) / (span + 1);
    var x = function (year) { return L + stepPx * (year - y0 + 0.5); };
    var values = [];
    rows.forEach(function (row) {
      [C.target_low, C.target_high, C.target_value, C.actual_value].forEach(function (c) {
        if (row[c] !== null && (c === C.actual_value || hasTarget(row))) values.push(row[c]);
      });
    });
    var ticks = niceTicks(Math.min.apply(null, values), Math.max.apply(null, values));
    var lo = ticks[0], hi = ticks[ticks.length - 1];
    var y = function (v) { return T + (H - T - B) * (1 - (v - lo) / (hi - lo)); };
    var axes = svg.querySelector(".pv-axes"), targets = svg.querySelector(".pv-targets"),
        outcomes = svg.querySelector(".pv-outcomes");
    axes.textContent = ""; targets.textContent = ""; outcomes.textContent = "";

    ticks.forEach(function (t) {
      node("line", { "class": "grid", x1: L, x2: W - R, y1: px(y(t)), y2: px(y(t)) }, axes);
      node("text", { "class": "ytick", x: L - 6, y: px(y(t) + 4), "text-anchor": "end" }, axes).textContent = num(t);
    });
    if (lo < 0 && 0 < hi) node("line", { "class": "zero", x1: L, x2: W - R, y1: px(y(0)), y2: px(y(0)) }, axes);
    var every = [1, 2, 5, 10, 20].filter(function (e) { return (span + 1) / e <= 16; })[0] || 50;
    for (var yr = y0; yr <= y1; yr++) {
      if (yr % every !== 0 && !(every === 1)) continue;
      node("text", { "class": "xtick", x: px(x(yr)), y: H - 8, "text-anchor": "middle" }, axes).textContent = yr;
    }

    var bw = Math.min(30, stepPx * 0.55), r = Math.max(2.5, Math.min(5, stepPx * 0.3));
    var unit = unitZh(s);
    rows.forEach(function (row) {
      if (!hasTarget(row)) return;
      var year = row[C.year], cx = x(year), low = row[C.target_low], high = row[C.target_high];
      var tip = "Target 目标 " + year + " " + targetText(s, row);
      var attrs = { "data-year": year };
      if (low !== null && high !== null && high > low) {
        attrs["class"] = "t-band";
        node("rect", Object.assign(attrs, { x: px(cx - bw / 2), y: px(y(high)), width: px(bw),
                                            height: px(Math.max(2, y(low) - y(high))), rx: 2 }), targets, tip);
      } else if ((low !== null && high === null) || (high !== null && low === null)) {
        var up = low !== null, yv = y(up ? low : high), d = up ? -1 : 1;
        attrs["class"] = "t-bound";
        var g = node("g", attrs, targets, tip);
        node("line", { x1: px(cx - bw / 2), x2: px(cx + bw / 2), y1: px(yv), y2: px(yv) }, g);
        node("path", { d: "M" + px(cx - 5) + "," + px(yv + 3 * d) + " L" + px(cx) + "," + px(yv + 11 * d) +
                          " L" + px(cx + 5) + "," + px(yv + 3 * d) + " Z" }, g);
      } else {
        attrs["class"] = "t-tick" + (row[C.target_comparator] === "approx" ? " approx" : "");
        var ty = y(row[C.target_value]);
        node("line", Object.assign(attrs, { x1: px(cx - bw / 2), x2: px(cx + bw / 2), y1: px(ty), y2: px(ty) }),
             targets, tip);
      }
    });

    // The outcomes joined year to year (broken where a year has none), then a dot each.
    var path = "", prev = null;
    rows.forEach(function (row) {
      if (!hasOutcome(row)) { prev = null; return; }
      var year = row[C.year];
      path += (prev !== null && year === prev + 1 ? " L" : "M") + px(x(year)) + "," + px(y(row[C.actual_value]));
      prev = year;
    });
    if (path) node("path", { "class": "pv-line", d: path }, outcomes);
    rows.forEach(function (row) {
      if (!hasOutcome(row)) return;
      var year = row[C.year], met = row[C.met], cx = x(year), cy = y(row[C.actual_value]);
      var tip = "Outcome 实际 " + year + " " + outcomeText(s, row) + (met === false ? " missed target 未达目标" :
                                                                     met === true ? " met target 达成目标" : "");
      node("circle", { "class": "actual" + (met === false ? " missed" : ""), cx: px(cx), cy: px(cy), r: px(r),
                       "data-year": year, "data-met": met === true ? "true" : met === false ? "false" : "" },
           outcomes, tip);
      if (met === false) {
        var k = r * 0.6;
        node("path", { "class": "miss-x", d: "M" + px(cx - k) + "," + px(cy - k) + " L" + px(cx + k) + "," +
                       px(cy + k) + " M" + px(cx + k) + "," + px(cy - k) + " L" + px(cx - k) + "," + px(cy + k) },
             outcomes);
      }
    });
    return unit;
  }

  // --- the table and the words --------------------------------------------------------------------
  function cell(tag, text, cls) {
    var e = document.createElement(tag);
    e.textContent = text === "" ? "—" : text;
    if (cls) e.className = cls;
    return e;
  }

  function show(si) {
    var s = data.series[si];
    var title = data.indicators[s.i][1] + (data.indicators[s.i][2] ? " (" + data.indicators[s.i][2] + ")" : "") +
      ", " + data.regions[s.r][1] + ", " + measureLabel(s);
    draw(s);
    var rows = s.rows, first = rows[0][C.year], last = rows[rows.length - 1][C.year];
    var missed = rows.filter(function (row) { return row[C.met] === false; }).map(function (row) { return row[C.year]; });
    var met = rows.filter(function (row) { return row[C.met] === true; }).length;
    var words = title + ": " + rows.length + " years 年, " + first + "–" + last + "; met 达成 " + met +
      ", missed 未达成 " + missed.length + (missed.length ? " (" + missed.join(", ") + ")" : "") + ".";
    summary.textContent = words;
    svg.querySelector("title").textContent = title;
    svg.querySelector("desc").textContent = words + " " + rows.map(function (row) {
      return row[C.year] + ": target 目标 " + (targetText(s, row) || "—") + ", outcome 实际 " +
        (outcomeText(s, row) || "—") + (row[C.met] === false ? " missed 未达成" : row[C.met] === true ? " met 达成" : "");
    }).join("; ");
    svg.setAttribute("data-series", seriesKey(s));
    caption.textContent = title;
    var body = table.tBodies[0];
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-year", row[C.year]);
      var th = cell("th", String(row[C.year]), "num");
      th.scope = "row";
      tr.appendChild(th);
      tr.appendChild(cell("td", targetText(s, row), "num"));
      tr.appendChild(cell("td", outcomeText(s, row), "num"));
      var m = cell("td", metText(row[C.met]), "met");
      m.setAttribute("data-met", row[C.met] === true ? "true" : row[C.met] === false ? "false" : "");
      tr.appendChild(m);
      body.appendChild(tr);
    });
  }

  // A chosen series is kept in the address (#panel=region|indicator|measure|basis|unit): a link to it opens it.
  function seriesKey(s) {
    return [data.regions[s.r][0], data.indicators[s.i][0], s.m, s.b, s.u].join("|");
  }
  function fromHash() {
    var m = /^#panel=(.+)$/.exec(window.location.hash);
    if (!m) return null;
    var key;
    try { key = decodeURIComponent(m[1]); } catch (e) { return null; }
    for (var i = 0; i < data.series.length; i++) { if (seriesKey(data.series[i]) === key) return i; }
    return null;
  }
  function remember() {
    try {
      window.history.replaceState(null, "", "#panel=" + encodeURIComponent(seriesKey(data.series[current])));
    } catch (e) { /* some file:// pages refuse; the view works the same */ }
  }

  var linked = fromHash();
  var current = linked !== null ? linked : data.first;
  function select(si) {
    current = si;
    var s = data.series[si];
    fillRegions(s.r);
    fillIndicators(s.r, s.i);
    fillMeasures(s.r, s.i, si);
    show(si);
  }

  regionSel.addEventListener("change", function () {
    var region = Number(regionSel.value), prev = data.series[current];
    fillIndicators(region, prev.i);
    fillMeasures(region, Number(indicatorSel.value), current);
    current = Number(measureSel.value);
    show(current);
    remember();
  });
  indicatorSel.addEventListener("change", function () {
    fillMeasures(Number(regionSel.value), Number(indicatorSel.value), current);
    current = Number(measureSel.value);
    show(current);
    remember();
  });
  measureSel.addEventListener("change", function () {
    current = Number(measureSel.value);
    show(current);
    remember();
  });
  find.addEventListener("input", function () {
    // Narrow the region list; the chosen region stays listed until another is chosen.
    fillRegions(data.series[current].r);
  });

  view.hidden = false;
  select(current);
  if (linked !== null) view.scrollIntoView();
})();
