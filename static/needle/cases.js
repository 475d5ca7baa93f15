// Requests pages: a map to place a request (read back as place names, or from the browser's
// location), the public map of requests, a pinned case's map, and picking a service or an area
// from htmx search results. The maps' basemap and coordinates: static/needle/maps.js.
(function () {
  "use strict";

  var STYLE = { color: "#b3261e", weight: 1.2, fillColor: "#f4c7c3", fillOpacity: 0.35 };
  var DETAIL = { color: "#0b57a4", weight: 1.2, fillColor: "#cfe0f5", fillOpacity: 0.3, dashArray: "4 3" };

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  // An area's layer (GET /report/boundaries/<code>/): its outlines and its children as
  // labelled points; `onLabel(item)` is called when a label is clicked.
  function areaLayer(data, style, onLabel, skip) {
    var M = window.needleMaps, group = L.featureGroup(), shapes = null;
    if (!data) return { group: group, shapes: null };
    var features = (data.features || []).filter(function (f) { return f.properties.code !== skip; });
    if (features.length) {
      var fc = { type: "FeatureCollection", features: features };
      shapes = M.outlines(fc, {
        style: style,
        onEachFeature: function (f, l) { l.bindTooltip(M.text(f.properties.name), { sticky: true }); }
      }).addTo(group);
      var names = M.outlineLabels(fc);
      if (names) names.addTo(group);
    }
    M.labels(data.labels, onLabel).addTo(group);
    return { group: group, shapes: shapes };
  }

  function pinMap(el) {
    var M = window.needleMaps;
    var lat = document.getElementById(el.dataset.lat);
    var lng = document.getElementById(el.dataset.lng);
    var status = document.getElementById(el.dataset.status);
    var clear = document.getElementById("pin-clear");
    var locate = document.getElementById("pin-locate");
    var near = document.getElementById("pin-near");
    var areaInput = document.getElementById("id_area");
    var areaChosen = document.getElementById("area-chosen");
    var map = M.create(el);
    var marker = null, detail = null, overview = null, asked = 0, focused = 0, areaByPin = "";

    function fillArea(code, name) {
      // The pin fills the area only when the resident has not chosen one themselves.
      if (!areaInput || (areaInput.value && areaInput.value !== areaByPin)) return;
      areaInput.value = code;
      areaByPin = code;
      if (areaChosen) areaChosen.textContent = code ? "✓ " + name : "";
    }
    function showNear(items) {
      if (!near) return;
      near.textContent = "";
      if (!items || !items.length) { near.hidden = true; return; }
      near.appendChild(M.text(near.dataset.label));
      items.forEach(function (a) {
        var b = document.createElement("button");
        b.type = "button";
        b.dataset.pickArea = a.code;
        b.dataset.label = a.name;
        b.textContent = a.name + " · " + a.metres + " m";
        near.appendChild(b);
      });
      near.hidden = false;
    }
    // "Placed on the map: …" (a full-width colon brings its own space).
    function said(where) {
      var label = status.dataset.placed;
      return label + (/：$/.test(label) ? "" : " ") + where;
    }
    function readBack(wgs) {
      var n = ++asked;
      status.textContent = status.dataset.finding;
      getJSON(el.dataset.at + "?lat=" + wgs[0].toFixed(6) + "&lng=" + wgs[1].toFixed(6)).then(function (place) {
        if (n !== asked) return;  // a later pin won
        if (!place) { status.textContent = said(wgs[0].toFixed(5) + ", " + wgs[1].toFixed(5)); return; }
        if (!place.code) { status.textContent = status.dataset.outside; fillArea("", ""); showNear([]); return; }
        // From the district down: the province and city add nothing a resident needs.
        var chain = place.chain.filter(function (a) { return a.level >= 3; });
        if (!chain.length) chain = place.chain;
        var names = chain.map(function (a) { return a.name; });
        status.textContent = said(names.join(" › "));
        fillArea(place.code, names[names.length - 1]);
        showNear(place.near);
        // In a grid or a community: its community's grids and names around the pin.
        var holder = place.chain.filter(function (a) { return a.level === 5; })[0];
        if (holder) focus(holder.code);
      });
    }
    function show(point) {
      if (marker) { marker.setLatLng(point); } else { marker = M.pin(map, point); }
      if (clear) clear.hidden = false;
    }
    // `point` on the map; `wgs` the stored coordinates when known (geolocation gives them).
    function place(point, wgs) {
      wgs = wgs || M.fromMap(point);
      lat.value = wgs[0].toFixed(6);
      lng.value = wgs[1].toFixed(6);
      show(point);
      readBack(wgs);
      // The duplicate suggestions listen for this: a pin changes what is "nearby".
      document.body.dispatchEvent(new Event("pinned"));
    }
    // Into an area: its children's names (and any outlines below it), replacing the last
    // area's; the root's outlines stay.
    function focus(code, bounds, point) {
      var n = ++focused;
      getJSON(el.dataset.layer.replace("CODE", code)).then(function (data) {
        if (n !== focused) return;  // a later area won
        if (detail) map.removeLayer(detail);
        detail = areaLayer(data, DETAIL, function (it) { focus(it.code, null, M.toMap(it.lat, it.lng)); }, code).group.addTo(map);
      });
      if (bounds) map.fitBounds(bounds, { padding: [8, 8] });
      else if (point) map.setView(point, Math.min(17, Math.max(map.getZoom() + 1, overview + 2)));
    }
    getJSON(el.dataset.geojson).then(function (data) {
      var root = areaLayer(data, STYLE, function (it) { focus(it.code, null, M.toMap(it.lat, it.lng)); });
      var bounds = root.group.getLayers().length ? root.group.getBounds() : null;
      if (!bounds || !bounds.isValid()) { el.hidden = true; return; }
      root.group.addTo(map);
      map.fitBounds(bounds, { padding: [8, 8] });
      overview = map.getZoom();
      // From the whole city a tap is coarse: it also opens the district tapped (its streets'
      // names), so the next tap can place the pin precisely.
      if (root.shapes) {
        root.shapes.eachLayer(function (l) {
          l.on("click", function () {
            if (map.getZoom() < overview + 1) focus(l.feature.properties.code, l.getBounds());
          });
        });
      }
      if (lat.value && lng.value) {
        var here = M.toMap(parseFloat(lat.value), parseFloat(lng.value));
        show(here);
        readBack([parseFloat(lat.value), parseFloat(lng.value)]);
        map.setView(here, Math.max(map.getZoom(), overview + 2));
      }
    });
    map.on("click", function (e) { place(e.latlng); });
    if (areaInput) areaInput.addEventListener("input", function () { areaByPin = ""; });
    if (clear) {
      clear.addEventListener("click", function () {
        if (marker) { map.removeLayer(marker); marker = null; }
        asked++;
        lat.value = ""; lng.value = ""; status.textContent = ""; clear.hidden = true;
        if (areaInput && areaByPin && areaInput.value === areaByPin) fillArea("", "");
        showNear([]);
      });
    }
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        status.textContent = locate.dataset.finding;
        navigator.geolocation.getCurrentPosition(function (pos) {
          var wgs = [pos.coords.latitude, pos.coords.longitude], here = M.toMap(wgs[0], wgs[1]);
          map.setView(here, Math.max(map.getZoom(), 16));
          place(here, wgs);
        }, function () {
          status.textContent = locate.dataset.failed;
        }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
      });
    }
  }

  function publicMap(el) {
    var M = window.needleMaps;
    var points = JSON.parse(document.getElementById(el.dataset.points).textContent || "[]");
    var map = M.create(el);
    var group = L.featureGroup().addTo(map);
    points.forEach(function (p) {
      L.circleMarker(M.toMap(p.lat, p.lng), { radius: 7, color: "#0b57a4", weight: 2, fillColor: "#4f8fd8", fillOpacity: 0.85 })
        .bindPopup("<strong></strong><br><span></span>").on("popupopen", function (e) {
          // Text goes in as text, never as HTML.
          var node = e.popup.getElement();
          node.querySelector("strong").textContent = p.number + " · " + p.state;
          node.querySelector("span").textContent = p.text;
        }).addTo(group);
    });
    getJSON(el.dataset.geojson).then(function (data) {
      // The whole city, with the requests of this page on it.
      var layer = areaLayer(data, STYLE, null);
      var has = layer.group.getLayers().length > 0;
      var bounds = has ? layer.group.getBounds() : points.length ? group.getBounds() : null;
      if (!bounds || !bounds.isValid()) { el.hidden = true; return; }
      if (has) layer.group.addTo(map).bringToBack();
      map.fitBounds(bounds, { padding: [10, 10], maxZoom: 14 });
    });
  }

  // Choosing a service: the category list's radio buttons are the field. A search result or
  // a classifier's suggestion checks the service's radio there (results come and go as one
  // types), opens its category and says what was chosen; without JavaScript a result's own
  // radio button is sent.
  function chooseService(code) {
    var radios = document.querySelectorAll(".service-tree input[name=service]");
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].value !== code) continue;
      radios[i].checked = true;
      var details = radios[i].closest("details");
      if (details) details.open = true;
      radios[i].dispatchEvent(new Event("change", { bubbles: true }));
      return true;
    }
    return false;
  }

  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[name=service]")) return;
    if (input.closest(".service-tree")) {
      var chosen = document.getElementById("service-chosen");
      if (chosen) chosen.textContent = "✓ " + input.dataset.label;
    } else if (chooseService(input.value)) {
      document.getElementById("service-picks").innerHTML = "";
    }
  });

  // A pinned case on its page and its tracking page: the pin, and the outlines and names of
  // its area.
  function caseMap(el) {
    var M = window.needleMaps;
    var here = M.toMap(parseFloat(el.dataset.lat), parseFloat(el.dataset.lng));
    var map = M.create(el, { scrollWheelZoom: false });
    map.setView(here, 15);
    M.pin(map, here);
    getJSON(el.dataset.layer).then(function (data) {
      var layer = areaLayer(data, DETAIL, null);
      layer.group.addTo(map);
      // The case's grid (or its community's grids) around the pin; a district's outline is
      // too wide to say more than the pin alone.
      if (layer.shapes) {
        var bounds = layer.shapes.getBounds().extend(here);
        if (bounds.getNorth() - bounds.getSouth() < 0.05) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 });
      }
    });
  }

  // A search result fills the real field: the service select (the fallback that works without
  // JavaScript) or the area code input.
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-pick-service], [data-pick-area]");
    if (!button) return;
    if (button.dataset.pickService) {
      chooseService(button.dataset.pickService);
    } else {
      document.getElementById("id_area").value = button.dataset.pickArea;
      document.getElementById("area-chosen").textContent = "✓ " + button.dataset.label;
      document.getElementById("area-picks").innerHTML = "";
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var checked = document.querySelector(".service-tree input[name=service]:checked");
    var chosen = document.getElementById("service-chosen");
    if (checked && chosen) chosen.textContent = "✓ " + checked.dataset.label;
    if (!window.L) return;
    var pin = document.getElementById("pin-map");
    if (pin) pinMap(pin);
    var pub = document.getElementById("public-map");
    if (pub) publicMap(pub);
    var mini = document.getElementById("case-minimap");
    if (mini) caseMap(mini);
  });
})();
