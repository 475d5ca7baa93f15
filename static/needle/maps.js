// What every map of Needle shares (window.needleMaps): the configured basemap or none, the
// coordinates shown in the basemap's system, outlines, and areas drawn as labelled points.
//
// Needle stores WGS-84. A GCJ-02 basemap (AMap, Tencent: NEEDLE_MAP_CRS=gcj02) shows every
// point moved by the GCJ-02 offset, and a tap on it is moved back before it is stored. The
// formula is the one of needle/areas/geometry.py; the browser test checks both against the
// same published reference points.
(function () {
  "use strict";

  var config = null;
  function cfg() {
    if (!config) {
      var el = document.getElementById("map-config");
      config = el ? JSON.parse(el.textContent) : {};
      config.tiles = config.tiles || [];
    }
    return config;
  }

  // GCJ-02 ---------------------------------------------------------------------------------
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function outOfChina(lat, lng) { return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271); }
  function offLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function offLng(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
  }
  function offset(lat, lng) {
    var dlat = offLat(lng - 105.0, lat - 35.0), dlng = offLng(lng - 105.0, lat - 35.0);
    var rad = lat / 180.0 * PI, magic = 1 - EE * Math.pow(Math.sin(rad), 2), sq = Math.sqrt(magic);
    return [(dlat * 180.0) / ((A * (1 - EE)) / (magic * sq) * PI), (dlng * 180.0) / (A / sq * Math.cos(rad) * PI)];
  }
  function wgsToGcj(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var d = offset(lat, lng);
    return [lat + d[0], lng + d[1]];
  }
  function gcjToWgs(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var d = offset(lat, lng), w = [lat - d[0], lng - d[1]];
    for (var i = 0; i < 10; i++) {
      var g = wgsToGcj(w[0], w[1]), e0 = g[0] - lat, e1 = g[1] - lng;
      if (Math.abs(e0) < 1e-9 && Math.abs(e1) < 1e-9) break;
      w = [w[0] - e0, w[1] - e1];
    }
    return w;
  }

  function shifted() { return cfg().crs === "gcj02"; }
  // A stored (WGS-84) point as the map shows it.
  function toMap(lat, lng) {
    var p = shifted() ? wgsToGcj(lat, lng) : [lat, lng];
    return L.latLng(p[0], p[1]);
  }
  // A point of the map (a tap) as it is stored: [lat, lng].
  function fromMap(latlng) { return shifted() ? gcjToWgs(latlng.lat, latlng.lng) : [latlng.lat, latlng.lng]; }

  function text(value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }

  // A Leaflet map with the configured tile layers (a base, then overlays such as labels) and
  // their attribution; without tiles, a plain background that the outlines and labels fill.
  function create(el, options) {
    var c = cfg();
    var opts = { zoomSnap: 0.25, attributionControl: c.tiles.length > 0 };
    for (var k in options || {}) opts[k] = options[k];
    var map = L.map(el, opts);
    el.needleMap = map;  // the element's map, for the page's other scripts and the browser tests
    if (c.tiles.length) {
      var attribution = text(c.attribution).innerHTML;  // the operator's text, escaped
      c.tiles.forEach(function (template, i) {
        L.tileLayer(template, { maxZoom: 18, attribution: i === 0 ? attribution : "" }).addTo(map);
      });
      el.classList.add("has-tiles");
    }
    return map;
  }

  function hasTiles() { return cfg().tiles.length > 0; }

  // A request's pin, above the areas' names (its own pane over the markers').
  function pin(map, point) {
    if (!map.getPane("needle-pin")) map.createPane("needle-pin").style.zIndex = 650;
    return L.circleMarker(point, {
      pane: "needle-pin", radius: 9, color: "#0b57a4", weight: 3, fillColor: "#4f8fd8", fillOpacity: 0.9
    }).addTo(map);
  }

  // GeoJSON outlines (stored WGS-84) in the map's system; names go in as text.
  function outlines(data, options) {
    var opts = { coordsToLatLng: function (c) { return toMap(c[1], c[0]); } };
    for (var k in options || {}) opts[k] = options[k];
    return L.geoJSON(data, opts);
  }

  // Areas as points with their names always shown (`items` [{code, name, lat, lng}]): a dot
  // and the name, one marker each (no vector path: the outlines stay the map's only paths);
  // `onClick(item)` makes them links (drilling down). `bare`: the name alone, centred (an
  // outline's name).
  function labels(items, onClick, bare) {
    var group = L.featureGroup();
    (items || []).forEach(function (it) {
      var box = document.createElement("div");
      box.className = "area-label" + (bare ? " bare" : "") + (onClick ? " link" : "");
      if (!bare) {
        var dot = document.createElement("span");
        dot.className = "dot";
        box.appendChild(dot);
      }
      box.appendChild(text(it.name));
      var marker = L.marker(toMap(it.lat, it.lng), {
        icon: L.divIcon({ className: "area-label-icon", html: box, iconSize: null }),
        interactive: !!onClick,
        keyboard: !!onClick,
        title: it.name,
        riseOnHover: true
      });
      if (onClick) marker.on("click", function (e) { L.DomEvent.stopPropagation(e); onClick(it); });
      marker.addTo(group);
    });
    return group;
  }

  // Names on outlines too when there is no basemap to read them from; a tap on one goes
  // through to the outline under it.
  function outlineLabels(data) {
    if (hasTiles() || !data || !data.features) return null;
    var items = [];
    data.features.forEach(function (f) {
      var c = f.properties && f.properties.centroid;
      if (c) items.push({ code: f.properties.code, name: f.properties.name, lat: c[0], lng: c[1] });
    });
    return labels(items, null, true);
  }

  window.needleMaps = {
    config: cfg, create: create, hasTiles: hasTiles, toMap: toMap, fromMap: fromMap, pin: pin,
    outlines: outlines, labels: labels, outlineLabels: outlineLabels, text: text,
    wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs
  };
})();
