// The operations dashboard: ECharts for the trend, backlog, children and services; a Leaflet
// map of the children coloured by the chosen indicator (outlines, or labelled points where a
// child has none; a click drills down), with case points and a heat layer further down. Data
// come from json_script blocks and the page's map endpoint; the basemap and the coordinates'
// system from static/needle/maps.js.
(function () {
  "use strict";
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var L10N = {};
  var RATE = { response_rate: 1, resolution_rate: 1, satisfaction_rate: 1, on_time_rate: 1 };
  var charts = [];
  function chart(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var c = echarts.init(el);
    charts.push(c);
    return c;
  }
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function fmt(name, v) { return RATE[name] ? pct(v) : (v === null || v === undefined ? "—" : v.toLocaleString()); }
  function pctSeries(a) { return a.map(function (v) { return v === null ? null : Math.round(v * 1000) / 10; }); }

  function trend(grain) {
    var all = data("trend-data"); var c = trend.chart; if (!all || !c) return;
    var t = all[grain];
    c.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 34, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: t.labels },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: L10N.received, type: "bar", data: t.received, itemStyle: { color: "#5b8ff9" } },
        { name: L10N.resolved, type: "bar", data: t.resolved, itemStyle: { color: "#7fb77e" } },
        { name: L10N.response_rate, type: "line", yAxisIndex: 1, data: pctSeries(t.response_rate), connectNulls: true, itemStyle: { color: "#b3261e" } },
        { name: L10N.satisfaction_rate, type: "line", yAxisIndex: 1, data: pctSeries(t.satisfaction_rate), connectNulls: true, itemStyle: { color: "#d4a000" } },
        { name: L10N.on_time_rate, type: "line", yAxisIndex: 1, data: pctSeries(t.on_time_rate), connectNulls: true, itemStyle: { color: "#6f42c1" } }
      ]
    }, true);
    document.querySelectorAll("[data-grain]").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.grain === grain)); });
    var hidden = document.querySelector("#period input[name=grain]"); if (hidden) hidden.value = grain;
  }

  function overdue() {
    var rows = data("overdue-data"); var c = chart("chart-overdue"); if (!rows || !c) return;
    c.setOption({
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "68%"], label: { formatter: "{b}: {c}" },
        data: rows.filter(function (r) { return r.value > 0; }).map(function (r) { return { name: r.name, value: r.value, itemStyle: { color: r.colour } }; }) }]
    });
  }

  function bars(id, rows, indicator, clickable) {
    var c = chart(id); if (!c || !rows) return;
    rows = rows.filter(function (r) { return r.kind !== "here"; });
    var el = document.getElementById(id);
    el.style.height = Math.max(180, Math.min(900, 26 * rows.length + 60)) + "px"; c.resize();
    var values = rows.map(function (r) { var v = r[indicator]; return RATE[indicator] ? (v === null ? null : Math.round(v * 1000) / 10) : v; });
    c.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return RATE[indicator] ? (v === null ? "—" : v + "%") : v; } },
      grid: { left: 8, right: 56, top: 10, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: RATE[indicator] ? 100 : null },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }), axisLabel: { width: 160, overflow: "truncate" } },
      series: [{ type: "bar", name: L10N[indicator], data: values, itemStyle: { color: "#b3261e" }, label: { show: true, position: "right", formatter: function (p) { return RATE[indicator] ? (p.value === null ? "" : p.value + "%") : p.value; } } }]
    });
    if (clickable) {
      c.on("click", function (p) { var r = rows[p.dataIndex]; if (r && r.url) window.location = r.url + window.location.search; });
      c.getZr().on("mousemove", function () { el.style.cursor = "pointer"; });
    }
  }

  function services() {
    var rows = data("services-data"); var c = chart("chart-services"); if (!rows || !c) return;
    rows = rows.slice(0, 15);
    var el = document.getElementById("chart-services");
    el.style.height = Math.max(180, Math.min(900, 26 * rows.length + 70)) + "px"; c.resize();
    c.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 20, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }), axisLabel: { width: 160, overflow: "truncate" } },
      series: [
        { name: L10N.received, type: "bar", data: rows.map(function (r) { return r.received; }), itemStyle: { color: "#5b8ff9" } },
        { name: L10N.open, type: "bar", data: rows.map(function (r) { return r.open; }), itemStyle: { color: "#d4a000" } }
      ]
    });
  }

  // A colour from pale to deep red: worse is deeper (for rates, lower is worse).
  var SCALE = ["#fff5f0", "#fdd5c3", "#fca98a", "#f67b5a", "#dc4534", "#b3261e", "#7f1010"];
  function colourOf(v, lo, hi, rate) {
    if (v === null || v === undefined) return "#cccccc";
    var x = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    if (rate) x = 1 - x;
    return SCALE[Math.max(0, Math.min(SCALE.length - 1, Math.round(x * (SCALE.length - 1))))];
  }

  // A small canvas heat layer: one blurred disc per point, summed, then coloured.
  function heatLayer(points) {
    var Heat = L.Layer.extend({
      onAdd: function (map) {
        this._map = map;
        this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide");
        this._canvas.style.pointerEvents = "none";
        map.getPanes().overlayPane.appendChild(this._canvas);
        map.on("moveend zoomend resize", this._draw, this);
        this._draw();
      },
      onRemove: function (map) { L.DomUtil.remove(this._canvas); map.off("moveend zoomend resize", this._draw, this); },
      _draw: function () {
        var map = this._map, size = map.getSize(), cv = this._canvas;
        if (!size.x || !size.y) return;  // a hidden map has nothing to draw on
        var topLeft = map.containerPointToLayerPoint([0, 0]);
        L.DomUtil.setPosition(cv, topLeft);
        cv.width = size.x; cv.height = size.y;
        var ctx = cv.getContext("2d"), r = 18;
        ctx.clearRect(0, 0, size.x, size.y);
        points.forEach(function (p) {
          var pt = map.latLngToContainerPoint(p);
          var g = ctx.createRadialGradient(pt.x, pt.y, 0, pt.x, pt.y, r);
          g.addColorStop(0, "rgba(0,0,0,0.35)"); g.addColorStop(1, "rgba(0,0,0,0)");
          ctx.fillStyle = g; ctx.fillRect(pt.x - r, pt.y - r, 2 * r, 2 * r);
        });
        var img = ctx.getImageData(0, 0, size.x, size.y), px = img.data;
        for (var i = 0; i < px.length; i += 4) {
          var a = px[i + 3] / 255; if (!a) continue;
          var t = Math.min(1, a * 1.6);
          px[i] = 255; px[i + 1] = Math.round(220 * (1 - t)); px[i + 2] = 0; px[i + 3] = Math.round(200 * Math.min(1, a * 2));
        }
        ctx.putImageData(img, 0, 0);
      }
    });
    return new Heat();
  }

  function map() {
    var el = document.getElementById("ops-map"); if (!el || !window.L || !window.needleMaps) return;
    var M = window.needleMaps;
    var indicator = el.dataset.indicator;
    var m = M.create(el);
    var dots = L.canvas({ padding: 0.2 });  // thousands of case points: one canvas, not SVG
    function open(url) { window.location = url + window.location.search; }
    fetch(el.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      var values = [];
      geo.features.forEach(function (f) { var x = f.properties.figures; if (x && x[indicator] !== null && x[indicator] !== undefined) values.push(x[indicator]); });
      (geo.markers || []).forEach(function (mk) { var x = mk.figures[indicator]; if (x !== null && x !== undefined) values.push(x); });
      var lo = Math.min.apply(null, values.concat([Infinity])), hi = Math.max.apply(null, values.concat([-Infinity]));
      // Everything goes in one group, added once the view is set: a vector layer added to a
      // map without a view draws before its renderer knows the view.
      var drawn = L.featureGroup(), bounds = L.latLngBounds([]);
      if (geo.features.length) {
        var layer = M.outlines(geo, {
          style: function (f) {
            var x = f.properties.figures;
            return { color: "#555", weight: 1, fillOpacity: 0.75, fillColor: colourOf(x ? x[indicator] : null, lo, hi, RATE[indicator]) };
          },
          onEachFeature: function (f, l) {
            var x = f.properties.figures;
            l.bindTooltip(M.text(f.properties.name + ": " + (x ? fmt(indicator, x[indicator]) : L10N.no_data)), { sticky: true });
            l.on("click", function () { open(f.properties.url); });
          }
        }).addTo(drawn);
        bounds.extend(layer.getBounds());
        // Without a basemap, the outlines carry their names.
        var names = M.outlineLabels(geo);
        if (names) names.addTo(drawn);
      }
      // Children without an outline are labelled points: name and figure, a link down.
      (geo.markers || []).forEach(function (mk) {
        var v = mk.figures[indicator];
        var c = L.circleMarker(M.toMap(mk.lat, mk.lng), { radius: 9, color: "#555", weight: 1, fillOpacity: 0.85, fillColor: colourOf(v, lo, hi, RATE[indicator]) }).addTo(drawn);
        c.bindTooltip(M.text(mk.name + " · " + fmt(indicator, v)), { permanent: true, direction: "right", offset: [8, 0], className: "area-label-tip", interactive: true });
        c.on("click", function () { open(mk.url); });
        bounds.extend(c.getLatLng());
      });
      var shown = (geo.points || []).map(function (p) { return M.toMap(p[0], p[1]); });
      shown.forEach(function (p) { L.circleMarker(p, { renderer: dots, interactive: false, radius: 3, color: "#1d2733", weight: 1, fillColor: "#ffffff", fillOpacity: 0.9 }).addTo(drawn); bounds.extend(p); });
      // Room on the right for the names written beside the points.
      var room = geo.markers && geo.markers.length ? 110 : 12;
      if (bounds.isValid()) m.fitBounds(bounds, { paddingTopLeft: [12, 12], paddingBottomRight: [room, 12], maxZoom: 16 });
      else if (geo.centre) m.setView(M.toMap(geo.centre[0], geo.centre[1]), 13);
      else { var card = document.getElementById("map-card"); if (card) card.hidden = true; else el.hidden = true; return; }
      drawn.addTo(m);
      if (shown.length) heatLayer(shown).addTo(m);
      var legend = document.getElementById("map-legend");
      if (legend && isFinite(lo)) {
        legend.textContent = "";
        var label = document.createElement("span"); label.textContent = L10N[indicator] + ": " + fmt(indicator, RATE[indicator] ? hi : lo);
        legend.appendChild(label);
        for (var i = 0; i < SCALE.length; i++) { var s = document.createElement("span"); s.className = "legend-swatch"; s.style.background = SCALE[i]; legend.appendChild(s); }
        var end = document.createElement("span"); end.textContent = " " + fmt(indicator, RATE[indicator] ? lo : hi); legend.appendChild(end);
      }
    });
  }

  function quickPeriods() {
    document.querySelectorAll("[data-days]").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        var end = new Date(); var start = new Date(end.getTime() - (Number(a.dataset.days) - 1) * 86400000);
        function iso(d) { return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0"); }
        document.getElementById("id_start").value = iso(start); document.getElementById("id_end").value = iso(end);
        document.getElementById("period").submit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    L10N = data("ops-labels") || {};
    var indicator = (document.getElementById("id_indicator") || {}).value || "response_rate";
    trend.chart = chart("chart-trend");
    var grain = (document.querySelector("#period input[name=grain]") || {}).value || "day";
    trend(grain);
    document.querySelectorAll("[data-grain]").forEach(function (b) { b.addEventListener("click", function () { trend(b.dataset.grain); }); });
    overdue();
    bars("chart-children", data("children-data"), indicator, true);
    services();
    map();
    quickPeriods();
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
  window.needleOps = { trend: trend };
})();
